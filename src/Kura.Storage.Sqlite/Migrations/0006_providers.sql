-- The providers' dialects (docs/PROVIDERS.md).
-- An appkey names one project in NHN Cloud's v1.0 API. Projects that exist before this migration get a random
-- one (32 hex digits, as new projects get from IdentityService); the unique index makes the appkey lookup of every
-- v1.0 request one index seek.
ALTER TABLE projects ADD COLUMN appkey TEXT;
UPDATE projects SET appkey = lower(hex(randomblob(16))) WHERE appkey IS NULL;
CREATE UNIQUE INDEX ux_projects_appkey ON projects (appkey);

-- A project's own image-size quota in bytes (ConoHa's PUT /v2/quota). No row: the preset's default applies.
-- Keyed by the owner string images carry, like the images table (no foreign key to projects).
CREATE TABLE project_quotas (
    project_id TEXT PRIMARY KEY,
    image_size INTEGER NOT NULL
);
