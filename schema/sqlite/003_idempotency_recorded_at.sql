-- When each idempotency answer was recorded, so that it expires as ECS's
-- client tokens do (RunTask: 24 hours). Answers recorded before this have 0
-- and expire at the first maintenance.
ALTER TABLE idempotency ADD COLUMN recorded_at REAL NOT NULL DEFAULT 0;
