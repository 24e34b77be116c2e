-- The providers' dialects (docs/PROVIDERS.md), as SQLite's migration 0006: a project's NHN appkey (unique, one
-- index seek per v1.0 request; projects that exist get a random one) and its own image-size quota (ConoHa).
ALTER TABLE projects ADD COLUMN appkey TEXT;
UPDATE projects SET appkey = md5(random()::text || id) WHERE appkey IS NULL;
CREATE UNIQUE INDEX ux_projects_appkey ON projects (appkey);

CREATE TABLE project_quotas (
    project_id TEXT PRIMARY KEY,
    image_size BIGINT NOT NULL
);
