-- Glance's image schema sets no maximum for min_ram and min_disk: they hold any non-negative 64-bit value.
ALTER TABLE images ALTER COLUMN min_ram TYPE BIGINT, ALTER COLUMN min_disk TYPE BIGINT;
