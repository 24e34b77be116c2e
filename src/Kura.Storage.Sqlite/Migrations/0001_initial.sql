-- Kura schema, version 1. Timestamps are microseconds since the Unix epoch, UTC.

CREATE TABLE images (
    id               TEXT PRIMARY KEY,
    name             TEXT,
    disk_format      TEXT,
    container_format TEXT,
    visibility       TEXT    NOT NULL,
    size             INTEGER,
    virtual_size     INTEGER,
    status           TEXT    NOT NULL,
    checksum         TEXT,
    os_hash_algo     TEXT,
    os_hash_value    TEXT,
    protected        INTEGER NOT NULL DEFAULT 0,
    min_ram          INTEGER NOT NULL DEFAULT 0,
    min_disk         INTEGER NOT NULL DEFAULT 0,
    owner            TEXT,
    os_hidden        INTEGER NOT NULL DEFAULT 0,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    deleted          INTEGER NOT NULL DEFAULT 0,
    deleted_at       INTEGER,
    location         TEXT,
    version          INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX ix_images_created ON images (deleted, created_at DESC, id DESC);
CREATE INDEX ix_images_owner ON images (owner, deleted, created_at DESC, id DESC);
CREATE INDEX ix_images_name ON images (name);
CREATE INDEX ix_images_status ON images (status) WHERE deleted = 0;

CREATE TABLE image_properties (
    image_id TEXT    NOT NULL REFERENCES images (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    name     TEXT    NOT NULL,
    value    TEXT    NOT NULL,
    PRIMARY KEY (image_id, name)
);
CREATE INDEX ix_image_properties_name ON image_properties (name, value);

CREATE TABLE image_tags (
    image_id TEXT NOT NULL REFERENCES images (id) ON DELETE CASCADE,
    value    TEXT NOT NULL,
    PRIMARY KEY (image_id, value)
);
CREATE INDEX ix_image_tags_value ON image_tags (value);

CREATE TABLE image_members (
    image_id   TEXT    NOT NULL REFERENCES images (id) ON DELETE CASCADE,
    member     TEXT    NOT NULL,
    status     TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (image_id, member)
);
CREATE INDEX ix_image_members_member ON image_members (member, status);

CREATE TABLE domains (
    id          TEXT PRIMARY KEY,
    name        TEXT    NOT NULL UNIQUE,
    description TEXT    NOT NULL DEFAULT '',
    enabled     INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE projects (
    id          TEXT PRIMARY KEY,
    name        TEXT    NOT NULL,
    domain_id   TEXT    NOT NULL REFERENCES domains (id),
    description TEXT    NOT NULL DEFAULT '',
    enabled     INTEGER NOT NULL DEFAULT 1,
    UNIQUE (domain_id, name)
);

CREATE TABLE users (
    id                 TEXT PRIMARY KEY,
    name               TEXT    NOT NULL,
    domain_id          TEXT    NOT NULL REFERENCES domains (id),
    enabled            INTEGER NOT NULL DEFAULT 1,
    default_project_id TEXT,
    email              TEXT,
    description        TEXT,
    password_hash      TEXT,
    UNIQUE (domain_id, name)
);

CREATE TABLE roles (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    description TEXT
);

CREATE TABLE role_assignments (
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    project_id TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    role_id    TEXT NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, project_id, role_id)
);
CREATE INDEX ix_role_assignments_project ON role_assignments (project_id);

-- Only the SHA-256 digest of a token secret is stored.
CREATE TABLE tokens (
    digest     TEXT PRIMARY KEY,
    user_id    TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    project_id TEXT REFERENCES projects (id) ON DELETE CASCADE,
    methods    TEXT    NOT NULL,
    issued_at  INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    audit_ids  TEXT    NOT NULL,
    revoked    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX ix_tokens_user ON tokens (user_id);
CREATE INDEX ix_tokens_expires ON tokens (expires_at);
