-- Several nodes on one database (and one node restarting on its own): who is alive, who runs a cluster-wide job,
-- and which node an image in saving/uploading/importing belongs to.
ALTER TABLE images ADD COLUMN worker TEXT;

CREATE TABLE cluster_nodes (
    id         TEXT PRIMARY KEY,
    expires_at INTEGER NOT NULL
);

CREATE TABLE cluster_jobs (
    name       TEXT PRIMARY KEY,
    holder     TEXT    NOT NULL,
    expires_at INTEGER NOT NULL
);

-- Recovery looks up the images in progress on every heartbeat: a small partial index, in the exact form of its query.
CREATE INDEX ix_images_in_progress ON images (status) WHERE status IN ('saving', 'uploading', 'importing');
