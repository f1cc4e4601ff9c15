-- Container instances, tasks, and the answers of idempotent calls (client tokens).

CREATE TABLE container_instances (
  id        TEXT PRIMARY KEY,
  cluster   TEXT NOT NULL,
  status    TEXT NOT NULL,
  document  TEXT NOT NULL  -- the whole instance (src/store/records.cpp)
) STRICT;

CREATE TABLE tasks (
  id                    TEXT PRIMARY KEY,
  cluster               TEXT NOT NULL,
  container_instance_id TEXT NOT NULL,
  last_status           TEXT NOT NULL,
  document              TEXT NOT NULL  -- the whole task (src/store/records.cpp)
) STRICT;

CREATE TABLE idempotency (
  key     TEXT PRIMARY KEY,  -- operation and client token
  answer  TEXT NOT NULL      -- the JSON answer given the first time
) STRICT;
