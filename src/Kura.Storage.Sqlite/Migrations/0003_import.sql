-- Interoperable import: where staged data waits, and the tasks that import it.
ALTER TABLE images ADD COLUMN staging TEXT;

CREATE TABLE tasks (
    id          TEXT PRIMARY KEY,
    type        TEXT    NOT NULL,
    status      TEXT    NOT NULL,
    owner       TEXT    NOT NULL,
    image_id    TEXT    NOT NULL,
    request_id  TEXT    NOT NULL,
    user_id     TEXT    NOT NULL,
    input       TEXT    NOT NULL,
    result      TEXT,
    message     TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    expires_at  INTEGER
);
CREATE INDEX ix_tasks_image ON tasks (image_id, created_at);
CREATE INDEX ix_tasks_status ON tasks (status);
