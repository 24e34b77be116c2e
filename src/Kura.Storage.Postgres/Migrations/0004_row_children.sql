-- Properties and tags copied onto the image row as JSON text, as SQLite's 0008 (Kura.Storage.Relational.ImageChildrenJson):
-- a list page reads one row per image instead of three correlated subqueries per image.
ALTER TABLE images ADD COLUMN properties_json TEXT NOT NULL DEFAULT '[]';
ALTER TABLE images ADD COLUMN tags_json TEXT NOT NULL DEFAULT '[]';
UPDATE images SET
    properties_json = COALESCE((SELECT json_agg(json_build_array(p.name, p.value) ORDER BY p.position)::text
                                FROM image_properties p WHERE p.image_id = images.id), '[]'),
    tags_json = COALESCE((SELECT json_agg(t.value ORDER BY t.value)::text
                          FROM image_tags t WHERE t.image_id = images.id), '[]')
WHERE NOT deleted;
