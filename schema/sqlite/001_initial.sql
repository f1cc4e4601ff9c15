-- Clusters and task definitions. Key members are columns; the rest of each
-- resource is its JSON document, so every API member round-trips without a
-- migration per member.

CREATE TABLE clusters (
  name        TEXT PRIMARY KEY,
  arn         TEXT NOT NULL,
  status      TEXT NOT NULL,
  document    TEXT NOT NULL  -- settings, configuration, serviceConnectDefaults, tags
) STRICT;

CREATE TABLE task_definitions (
  family          TEXT NOT NULL,
  revision        INTEGER NOT NULL,
  arn             TEXT NOT NULL,
  status          TEXT NOT NULL,
  registered_at   REAL NOT NULL,
  deregistered_at REAL,
  delete_requested_at REAL,
  registered_by   TEXT NOT NULL,
  body            TEXT NOT NULL,  -- the normalized definition
  tags            TEXT NOT NULL,  -- [{"key","value"}]
  PRIMARY KEY (family, revision)
) STRICT;
