-- The orphan sweep asks, a batch of stored keys at a time, which of them an image still points at
-- (SqliteImageStore.FindReferencedAsync). Partial indexes: only images with data or a staged upload are in them.
CREATE INDEX ix_images_location ON images (location) WHERE location IS NOT NULL;
CREATE INDEX ix_images_staging ON images (staging) WHERE staging IS NOT NULL;
