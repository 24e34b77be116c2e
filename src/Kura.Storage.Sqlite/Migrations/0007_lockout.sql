-- Lockout after repeated failed password authentications (Identity:LockoutFailureAttempts).
ALTER TABLE users ADD COLUMN failed_auth_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN failed_auth_at INTEGER;
