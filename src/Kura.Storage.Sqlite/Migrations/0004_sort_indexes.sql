-- Indexes in the exact form of the list query's sort expressions (SqliteImageStore.SortExpressions), led by
-- `deleted` like the query, so that a page sorted by name, size or updated_at is read in index order and stops at
-- its limit instead of sorting every visible image.
CREATE INDEX ix_images_name_order ON images (deleted, COALESCE(name, ''), created_at, id);
CREATE INDEX ix_images_size_order ON images (deleted, COALESCE(size, 0), created_at, id);
CREATE INDEX ix_images_updated_order ON images (deleted, updated_at, id);

-- A status filter is rarely selective (most images are active), yet SQLite preferred this index to the sort
-- indexes above and then sorted every match; only start-up recovery needs images by status, and a scan is fine there.
DROP INDEX ix_images_status;
