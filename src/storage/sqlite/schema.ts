/**
 * The SQLite schema: one append-only log (a row per write, the revision is the row id)
 * and a small meta table. `created`/`deleted` mark the kind of write; `prev_revision`
 * links a row to the row it replaced, which gives watch events their previous value and
 * makes (key, prev_revision) unique, so two writers can never both succeed from the same
 * read even if the single-writer discipline above it were broken.
 */
export const SCHEMA_VERSION = 1;

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS log (
  revision        INTEGER PRIMARY KEY,
  key             TEXT    NOT NULL,
  created         INTEGER NOT NULL,
  deleted         INTEGER NOT NULL,
  create_revision INTEGER NOT NULL,
  prev_revision   INTEGER NOT NULL,
  value           TEXT
) STRICT;
CREATE UNIQUE INDEX IF NOT EXISTS log_key_revision ON log (key, revision);
CREATE UNIQUE INDEX IF NOT EXISTS log_key_prev ON log (key, prev_revision);
CREATE TABLE IF NOT EXISTS meta (
  name  TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) STRICT;
`;
