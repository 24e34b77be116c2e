-- Metadata definitions (Glance's metadefs catalog). One row per namespace; its objects, properties, tags and
-- resource-type associations are free-form JSON-schema fragments kept in the document column.
CREATE TABLE metadef_namespaces (
    id          INTEGER PRIMARY KEY,
    namespace   TEXT    NOT NULL UNIQUE,
    owner       TEXT,
    visibility  TEXT    NOT NULL,
    protected   INTEGER NOT NULL DEFAULT 0,
    document    TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1
);
