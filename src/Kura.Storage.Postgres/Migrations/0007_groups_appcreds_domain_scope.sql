-- Issue 22: groups and their members, role assignments of groups and on domains, application credentials, and
-- tokens scoped to a domain or issued for an application credential. The same schema as SQLite's 0010.
CREATE TABLE user_groups (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    domain_id   TEXT NOT NULL REFERENCES domains (id),
    description TEXT NOT NULL DEFAULT '',
    UNIQUE (domain_id, name)
);

CREATE TABLE group_members (
    group_id TEXT NOT NULL REFERENCES user_groups (id) ON DELETE CASCADE,
    user_id  TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX ix_group_members_user ON group_members (user_id);

-- role_assignments (0001) holds a user's roles on projects; these hold the three other kinds.
CREATE TABLE group_project_roles (
    group_id   TEXT NOT NULL REFERENCES user_groups (id) ON DELETE CASCADE,
    project_id TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    role_id    TEXT NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, project_id, role_id)
);
CREATE INDEX ix_group_project_roles_project ON group_project_roles (project_id);

CREATE TABLE user_domain_roles (
    user_id   TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    domain_id TEXT NOT NULL REFERENCES domains (id) ON DELETE CASCADE,
    role_id   TEXT NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, domain_id, role_id)
);

CREATE TABLE group_domain_roles (
    group_id  TEXT NOT NULL REFERENCES user_groups (id) ON DELETE CASCADE,
    domain_id TEXT NOT NULL REFERENCES domains (id) ON DELETE CASCADE,
    role_id   TEXT NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, domain_id, role_id)
);

-- The secret is kept only as the password KDF's output.
CREATE TABLE application_credentials (
    id           TEXT PRIMARY KEY,
    name         TEXT    NOT NULL,
    user_id      TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    project_id   TEXT    NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    secret_hash  TEXT    NOT NULL,
    description  TEXT,
    expires_at   BIGINT,
    unrestricted BOOLEAN NOT NULL DEFAULT FALSE,
    UNIQUE (user_id, name)
);

CREATE TABLE application_credential_roles (
    credential_id TEXT NOT NULL REFERENCES application_credentials (id) ON DELETE CASCADE,
    role_id       TEXT NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    PRIMARY KEY (credential_id, role_id)
);

-- A token is scoped to a project, to a domain, or to neither; deleting its application credential deletes it.
ALTER TABLE tokens ADD COLUMN domain_id TEXT REFERENCES domains (id) ON DELETE CASCADE;
ALTER TABLE tokens ADD COLUMN app_cred_id TEXT REFERENCES application_credentials (id) ON DELETE CASCADE;
CREATE INDEX ix_tokens_app_cred ON tokens (app_cred_id) WHERE app_cred_id IS NOT NULL;
