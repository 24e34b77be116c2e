-- The orphan sweep checks stored keys a batch at a time, as SQLite's 0009 (PostgresImageStore.FindReferencedAsync).
CREATE INDEX ix_images_location ON images (location) WHERE location IS NOT NULL;
CREATE INDEX ix_images_staging ON images (staging) WHERE staging IS NOT NULL;
