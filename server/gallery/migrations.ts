// Schema of the gallery database, run by server/storage/sqlite.ts. Append
// new migrations. Never edit one that has shipped.

import type { Migration } from '../storage/sqlite';

export const MIGRATIONS: readonly Migration[] = [
  // 1: items and votes. The vote key makes a second vote of one viewer for one
  // item a no-op, and `items.votes` is kept in step with the votes table so
  // that the `top` order can use an index.
  (db) => {
    db.exec(`
      CREATE TABLE items (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        viewer_id TEXT NOT NULL,
        title TEXT,
        z TEXT NOT NULL,
        png BLOB NOT NULL,
        step INTEGER NOT NULL,
        run_id TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        votes INTEGER NOT NULL DEFAULT 0
      );
      CREATE TABLE votes (
        item_id INTEGER NOT NULL REFERENCES items (id) ON DELETE CASCADE,
        viewer_id TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (item_id, viewer_id)
      ) WITHOUT ROWID;
      CREATE INDEX votes_by_viewer ON votes (viewer_id);
    `);
  },

  // 2: moderation. Hidden items stay in the database for the host; banned
  // viewers are rejected. The indexes serve the two visible orders.
  (db) => {
    db.exec(`
      ALTER TABLE items ADD COLUMN hidden INTEGER NOT NULL DEFAULT 0;
      CREATE TABLE bans (
        viewer_id TEXT PRIMARY KEY,
        created_at INTEGER NOT NULL
      );
      CREATE INDEX items_new ON items (hidden, id);
      CREATE INDEX items_top ON items (hidden, votes, id);
      CREATE INDEX items_by_viewer ON items (viewer_id);
    `);
  },

  // 3: approval before public. An item awaiting the host's approval is
  // stored hidden with `pending` set, so the visible orders stay as they are.
  (db) => {
    db.exec('ALTER TABLE items ADD COLUMN pending INTEGER NOT NULL DEFAULT 0;');
  },
];
