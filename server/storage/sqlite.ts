// Opening and migrating the host's SQLite files (the gallery's and the
// polls'). `PRAGMA user_version` stores how many migrations have run.
// Each migration runs in one transaction with the version bump, so a crash
// leaves a database at the old version or the new one, never in between.

import Database from 'better-sqlite3';
import type { Database as SqliteDatabase } from 'better-sqlite3';

/** One schema change. Migration i leads to schema version i + 1. */
export type Migration = (db: SqliteDatabase) => void;

/** Raised for a database written by a newer latentcast, whose schema this host does not support. */
export class SchemaVersionError extends Error {
  override name = 'SchemaVersionError';
}

/**
 * Opens (creating if needed) the database at `path` and runs the migrations
 * it has not run yet. `label` names the database in errors ("gallery").
 */
export function openDatabase(path: string, label: string, migrations: readonly Migration[]): SqliteDatabase {
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    // In WAL mode NORMAL loses no committed transaction when the process is
    // killed, only on a power loss or an OS crash, and spares an fsync per commit.
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    migrate(db, label, migrations);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** Runs the migrations that `db` has not run yet, each in one transaction, and returns the final version. */
export function migrate(db: SqliteDatabase, label: string, migrations: readonly Migration[]): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > migrations.length) {
    throw new SchemaVersionError(
      `the ${label} database is at schema version ${current}, but this host supports versions up to ${migrations.length}; ` +
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
