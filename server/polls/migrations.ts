// Schema of the polls database, a file of its own next to the gallery's.
// `PRAGMA user_version` stores how many migrations have run; each runs in one
// transaction with the version bump. Append new migrations; never edit one
// that has shipped.

import type { Database } from 'better-sqlite3';

import { SchemaVersionError } from '../gallery/migrations';
import type { Migration } from '../gallery/migrations';

export const POLL_MIGRATIONS: readonly Migration[] = [
  // 1: polls and votes. The partial unique index allows one row with
  // `closed_at IS NULL`, so two polls can never be open together, even if two
  // requests race. A viewer's vote is one row per poll, replaced on a change.
  // `result` contains the outcome as JSON once the poll has closed.
  (db) => {
    db.exec(`
      CREATE TABLE polls (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        question TEXT NOT NULL,
        options TEXT NOT NULL,
        setting TEXT,
        opened_at INTEGER NOT NULL,
        ends_at INTEGER NOT NULL,
        closed_at INTEGER,
        close_reason TEXT,
        result TEXT
      );
      CREATE UNIQUE INDEX polls_one_open ON polls ((closed_at IS NULL)) WHERE closed_at IS NULL;
      CREATE TABLE poll_votes (
        poll_id INTEGER NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
        viewer_id TEXT NOT NULL,
        option INTEGER NOT NULL,
        voted_at INTEGER NOT NULL,
        PRIMARY KEY (poll_id, viewer_id)
      ) WITHOUT ROWID;
    `);
  },
];

/** Runs the poll migrations that `db` has not run yet, each in one transaction, and returns the final version. */
export function migratePolls(db: Database, migrations: readonly Migration[] = POLL_MIGRATIONS): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > migrations.length) {
    throw new SchemaVersionError(
      `the polls database is at schema version ${current}, but this host knows versions up to ${migrations.length}; ` +
        'run a newer latentcast, or pass another --state-dir',
    );
  }

  for (let version = current; version < migrations.length; version++) {
    db.transaction(() => {
      migrations[version](db);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
  return migrations.length;
}
