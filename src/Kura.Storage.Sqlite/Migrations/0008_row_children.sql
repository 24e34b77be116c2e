-- Each image row carries its properties and tags as JSON text (Kura.Storage.Relational.ImageChildrenJson), written
-- in the same transaction as the child tables, which stay for filters: a list page then reads one row per image
-- instead of running two correlated subqueries (and a sort) per image.
ALTER TABLE images ADD COLUMN properties_json TEXT NOT NULL DEFAULT '[]';
ALTER TABLE images ADD COLUMN tags_json TEXT NOT NULL DEFAULT '[]';
UPDATE images SET
    properties_json = (SELECT json_group_array(json_array(p.name, p.value))
                       FROM (SELECT name, value FROM image_properties WHERE image_id = images.id ORDER BY position) p),
    tags_json = (SELECT json_group_array(t.value)
                 FROM (SELECT value FROM image_tags WHERE image_id = images.id ORDER BY value) t)
WHERE deleted = 0;
