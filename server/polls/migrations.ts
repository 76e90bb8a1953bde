// Schema of the polls database, a file of its own next to the gallery's, run
// by server/storage/sqlite.ts. Append new migrations. Never edit one that has
// shipped.

import type { Migration } from '../storage/sqlite';

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
