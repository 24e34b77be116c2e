-- Kura schema for PostgreSQL, version 1: the same tables as the SQLite schema after its migrations 0001-0005.
-- Timestamps are microseconds since the Unix epoch, UTC (as in SQLite, so both backends order and page alike);
-- text that is sorted or paged on uses the "C" collation, which orders by code point as SQLite does.

CREATE TABLE images (
    id               TEXT COLLATE "C" PRIMARY KEY,
    name             TEXT COLLATE "C",
    disk_format      TEXT COLLATE "C",
    container_format TEXT COLLATE "C",
    visibility       TEXT    NOT NULL,
    size             BIGINT,
    virtual_size     BIGINT,
    status           TEXT COLLATE "C" NOT NULL,
    checksum         TEXT,
    os_hash_algo     TEXT,
    os_hash_value    TEXT,
    protected        BOOLEAN NOT NULL DEFAULT FALSE,
    min_ram          INTEGER NOT NULL DEFAULT 0,
    min_disk         INTEGER NOT NULL DEFAULT 0,
    owner            TEXT,
    os_hidden        BOOLEAN NOT NULL DEFAULT FALSE,
    created_at       BIGINT  NOT NULL,
    updated_at       BIGINT  NOT NULL,
    deleted          BOOLEAN NOT NULL DEFAULT FALSE,
    deleted_at       BIGINT,
    location         TEXT,
    staging          TEXT,
    worker           TEXT,
    version          BIGINT  NOT NULL DEFAULT 1
);
CREATE INDEX ix_images_created ON images (deleted, created_at DESC, id DESC);
CREATE INDEX ix_images_owner ON images (owner, deleted, created_at DESC, id DESC);
CREATE INDEX ix_images_name ON images (name);
CREATE INDEX ix_images_name_order ON images (deleted, COALESCE(name, ''), created_at, id);
CREATE INDEX ix_images_size_order ON images (deleted, COALESCE(size, 0), created_at, id);
CREATE INDEX ix_images_updated_order ON images (deleted, updated_at, id);
CREATE INDEX ix_images_in_progress ON images (status) WHERE status IN ('saving', 'uploading', 'importing');

CREATE TABLE image_properties (
    image_id TEXT COLLATE "C" NOT NULL REFERENCES images (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    name     TEXT    NOT NULL,
    value    TEXT    NOT NULL,
    PRIMARY KEY (image_id, name)
);
CREATE INDEX ix_image_properties_name ON image_properties (name, value);

CREATE TABLE image_tags (
    image_id TEXT COLLATE "C" NOT NULL REFERENCES images (id) ON DELETE CASCADE,
    value    TEXT NOT NULL,
    PRIMARY KEY (image_id, value)
);
CREATE INDEX ix_image_tags_value ON image_tags (value);

CREATE TABLE image_members (
    image_id   TEXT COLLATE "C" NOT NULL REFERENCES images (id) ON DELETE CASCADE,
    member     TEXT    NOT NULL,
    status     TEXT    NOT NULL,
    created_at BIGINT  NOT NULL,
    updated_at BIGINT  NOT NULL,
    PRIMARY KEY (image_id, member)
);
CREATE INDEX ix_image_members_member ON image_members (member, status);

CREATE TABLE domains (
    id          TEXT PRIMARY KEY,
    name        TEXT    NOT NULL UNIQUE,
    description TEXT    NOT NULL DEFAULT '',
    enabled     BOOLEAN NOT NULL DEFAULT TRUE
);

CREATE TABLE projects (
    id          TEXT PRIMARY KEY,
    name        TEXT    NOT NULL,
    domain_id   TEXT    NOT NULL REFERENCES domains (id),
    description TEXT    NOT NULL DEFAULT '',
    enabled     BOOLEAN NOT NULL DEFAULT TRUE,
    UNIQUE (domain_id, name)
);

CREATE TABLE users (
    id                 TEXT PRIMARY KEY,
    name               TEXT    NOT NULL,
    domain_id          TEXT    NOT NULL REFERENCES domains (id),
    enabled            BOOLEAN NOT NULL DEFAULT TRUE,
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
    issued_at  BIGINT  NOT NULL,
    expires_at BIGINT  NOT NULL,
    audit_ids  TEXT    NOT NULL,
    revoked    BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX ix_tokens_user ON tokens (user_id);
CREATE INDEX ix_tokens_expires ON tokens (expires_at);

CREATE TABLE metadef_namespaces (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    namespace   TEXT COLLATE "C" NOT NULL UNIQUE,
    owner       TEXT,
    visibility  TEXT    NOT NULL,
    protected   BOOLEAN NOT NULL DEFAULT FALSE,
    document    TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL,
    updated_at  BIGINT  NOT NULL,
    version     BIGINT  NOT NULL DEFAULT 1
);

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
    created_at  BIGINT  NOT NULL,
    updated_at  BIGINT  NOT NULL,
    expires_at  BIGINT
);
CREATE INDEX ix_tasks_image ON tasks (image_id, created_at);
CREATE INDEX ix_tasks_status ON tasks (status);

CREATE TABLE cluster_nodes (
    id         TEXT PRIMARY KEY,
    expires_at BIGINT NOT NULL
);

CREATE TABLE cluster_jobs (
    name       TEXT PRIMARY KEY,
    holder     TEXT   NOT NULL,
    expires_at BIGINT NOT NULL
);
