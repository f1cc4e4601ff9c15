-- Services, keyed by cluster and name (a deleted service stays INACTIVE,
-- describable, until a new one takes its name). The deployments, events and
-- every other member are the JSON document.
CREATE TABLE services (
  cluster   TEXT NOT NULL,
  name      TEXT NOT NULL,
  arn       TEXT NOT NULL,
  status    TEXT NOT NULL,
  document  TEXT NOT NULL,
  PRIMARY KEY (cluster, name)
) STRICT;
