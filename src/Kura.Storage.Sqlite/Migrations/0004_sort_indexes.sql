-- Indexes in the exact form of the list query's sort expressions (SqliteImageStore.SortExpressions), so that a
-- page sorted by name, size or updated_at is read in index order and stops at its limit instead of sorting
-- every visible image.
CREATE INDEX ix_images_name_order ON images (COALESCE(name, ''), created_at, id) WHERE deleted = 0;
CREATE INDEX ix_images_size_order ON images (COALESCE(size, 0), created_at, id) WHERE deleted = 0;
CREATE INDEX ix_images_updated_order ON images (updated_at, id) WHERE deleted = 0;
