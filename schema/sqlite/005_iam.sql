-- IAM identities (issue 17): users, groups, access keys and customer-managed
-- policies. Inline policies, attachments, membership and tags are each row's
-- JSON document. An access key's secret is stored sealed (AES-256-GCM under
-- DATA_DIR/iam.key), never in the clear.
CREATE TABLE iam_users (
  name      TEXT NOT NULL PRIMARY KEY,
  id        TEXT NOT NULL,
  arn       TEXT NOT NULL,
  document  TEXT NOT NULL
) STRICT;

CREATE TABLE iam_groups (
  name      TEXT NOT NULL PRIMARY KEY,
  id        TEXT NOT NULL,
  arn       TEXT NOT NULL,
  document  TEXT NOT NULL
) STRICT;

CREATE TABLE iam_access_keys (
  id             TEXT NOT NULL PRIMARY KEY,
  user_name      TEXT NOT NULL,
  sealed_secret  TEXT NOT NULL,
  status         TEXT NOT NULL,
  create_date    REAL NOT NULL
) STRICT;

CREATE TABLE iam_policies (
  arn       TEXT NOT NULL PRIMARY KEY,
  name      TEXT NOT NULL,
  id        TEXT NOT NULL,
  document  TEXT NOT NULL
) STRICT;
