// The gallery's SQLite database (better-sqlite3, synchronous): items with
// their PNG, votes, bans. Every write commits before the caller responds to
// the viewer, and WAL mode keeps a committed transaction through a killed process.

import type { Database as SqliteDatabase, Statement } from 'better-sqlite3';

import type { GalleryItem, GallerySort, ModeratedGalleryItem } from '../../shared/gallery';
import { openDatabase } from '../storage/sqlite';
import { MIGRATIONS } from './migrations';

/** An item about to be stored; the database assigns its id. */
export interface NewItem {
  viewerId: string;
  title: string | null;
  z: number[];
  /** 28×28 grayscale PNG. */
  png: Buffer;
  step: number;
  runId: string;
  createdAt: number;
  /** Whether the item waits for the host's approval, hidden from viewers until then. */
  pending: boolean;
}

/** An item's vote count after a vote or un-vote, and whether this request changed it. */
export interface VoteResult {
  id: number;
  votes: number;
  /** Whether this viewer's vote is counted now. */
  voted: boolean;
  /** False for a repeated vote or un-vote, which changes nothing. */
  changed: boolean;
}

/** One stored item with its PNG, for the export. */
export interface ExportedItem extends ModeratedGalleryItem {
  png: Buffer;
}

/** Raised for a `cursor` query value that this store did not hand out. */
export class CursorError extends Error {
  override name = 'CursorError';
}

interface ItemRow {
  id: number;
  viewer_id: string;
  title: string | null;
  z: string;
  step: number;
  run_id: string;
  created_at: number;
  votes: number;
  hidden: number;
  pending: number;
}

const ITEM_COLUMNS = 'id, viewer_id, title, z, step, run_id, created_at, votes, hidden, pending';

export class GalleryStore {
  private readonly statements: Record<string, Statement>;
  /** Banned viewer ids, mirrored from the `bans` table because every submission and vote checks them. */
  private readonly bans: Set<string>;

  private constructor(private readonly db: SqliteDatabase) {
    this.statements = {
      insert: db.prepare(
        'INSERT INTO items (viewer_id, title, z, png, step, run_id, created_at, hidden, pending) VALUES (@viewerId, @title, @z, @png, @step, @runId, @createdAt, @pending, @pending)',
      ),
      item: db.prepare(`SELECT ${ITEM_COLUMNS} FROM items WHERE id = ?`),
      png: db.prepare('SELECT png, hidden, pending, viewer_id FROM items WHERE id = ?'),
      insertVote: db.prepare('INSERT OR IGNORE INTO votes (item_id, viewer_id, created_at) VALUES (?, ?, ?)'),
      deleteVote: db.prepare('DELETE FROM votes WHERE item_id = ? AND viewer_id = ?'),
      addVotes: db.prepare('UPDATE items SET votes = votes + ? WHERE id = ? RETURNING votes'),
      hasVote: db.prepare('SELECT 1 FROM votes WHERE item_id = ? AND viewer_id = ?'),
      votedIds: db.prepare(
        'SELECT v.item_id AS id FROM votes v JOIN items i ON i.id = v.item_id WHERE v.viewer_id = ? AND i.hidden = 0 ORDER BY v.item_id DESC LIMIT ?',
      ),
      // Any decision of the host on a pending item, hide or show, ends its wait for approval.
      setHidden: db.prepare('UPDATE items SET hidden = @hidden, pending = 0 WHERE id = @id AND (hidden <> @hidden OR pending = 1)'),
      delete: db.prepare('DELETE FROM items WHERE id = ? RETURNING hidden'),
      ban: db.prepare('INSERT OR IGNORE INTO bans (viewer_id, created_at) VALUES (?, ?)'),
      unban: db.prepare('DELETE FROM bans WHERE viewer_id = ?'),
      hideByViewer: db.prepare('UPDATE items SET hidden = 1, pending = 0 WHERE viewer_id = ? AND (hidden = 0 OR pending = 1) RETURNING id'),
      newestVisible: db.prepare(`SELECT ${ITEM_COLUMNS} FROM items WHERE hidden = 0 AND id < ? ORDER BY id DESC LIMIT ?`),
      topVisible: db.prepare(
        `SELECT ${ITEM_COLUMNS} FROM items WHERE hidden = 0 AND (votes < @votes OR (votes = @votes AND id < @id)) ORDER BY votes DESC, id DESC LIMIT @limit`,
      ),
      newestAll: db.prepare(`SELECT ${ITEM_COLUMNS} FROM items WHERE id < ? ORDER BY id DESC LIMIT ?`),
      topAll: db.prepare(
        `SELECT ${ITEM_COLUMNS} FROM items WHERE (votes < @votes OR (votes = @votes AND id < @id)) ORDER BY votes DESC, id DESC LIMIT @limit`,
      ),
      exportAll: db.prepare(`SELECT ${ITEM_COLUMNS}, png FROM items ORDER BY id`),
      pending: db.prepare(`SELECT ${ITEM_COLUMNS} FROM items WHERE pending = 1 ORDER BY id LIMIT ?`),
    };
    this.bans = new Set((db.prepare('SELECT viewer_id FROM bans').all() as { viewer_id: string }[]).map((row) => row.viewer_id));
  }

  /** Opens (creating if needed) and migrates the database at `path`. */
  static open(path: string): GalleryStore {
    return new GalleryStore(openDatabase(path, 'gallery', MIGRATIONS));
  }

  /** Stores `items` in one transaction and returns them with their ids. */
  insertMany(items: readonly NewItem[]): ModeratedGalleryItem[] {
    const insertAll = this.db.transaction((batch: readonly NewItem[]) =>
      batch.map((item) => {
        const { lastInsertRowid } = this.statements.insert.run({ ...item, z: JSON.stringify(item.z), pending: item.pending ? 1 : 0 });
        return {
          id: Number(lastInsertRowid),
          title: item.title,
          z: item.z,
          step: item.step,
          runId: item.runId,
          createdAt: item.createdAt,
          votes: 0,
          viewerId: item.viewerId,
          hidden: item.pending,
          pending: item.pending,
        };
      }),
    );
    return insertAll(items);
  }

  /** Returns item `id` with its viewer id and hidden flag, or null when there is none. */
  item(id: number): ModeratedGalleryItem | null {
    const row = this.statements.item.get(id) as ItemRow | undefined;
    return row ? toModeratedItem(row) : null;
  }

  /** Returns item `id` as viewers see it, or null when it does not exist or is hidden. */
  visibleItem(id: number): GalleryItem | null {
    const item = this.item(id);
    return item && !item.hidden ? publicItem(item) : null;
  }

  /**
   * Returns the PNG of item `id`, or null when there is none or it is hidden
   * and `includeHidden` is false. A pending item's own submitter,
   * `viewerId`, may see its image while it waits for approval.
   */
  png(id: number, includeHidden = false, viewerId: string | null = null): Buffer | null {
    const row = this.statements.png.get(id) as { png: Buffer; hidden: number; pending: number; viewer_id: string } | undefined;
    if (!row) return null;
    const ownPending = row.pending === 1 && viewerId !== null && row.viewer_id === viewerId;
    if (row.hidden && !includeHidden && !ownPending) return null;
    return row.png;
  }

  isBanned(viewerId: string): boolean {
    return this.bans.has(viewerId);
  }

  /**
   * Returns one page of items in `sort` order after `cursor`. Visible items
   * only, unless `includeHidden`. Throws CursorError for a malformed cursor.
   *
   * NOTE: a `top` cursor contains the vote count and id of the last item shown.
   * An item whose votes change between two pages can therefore appear twice
   * or not at all. `new` pages never shift.
   */
  page(sort: GallerySort, cursor: string | null, limit: number, includeHidden = false): { items: ModeratedGalleryItem[]; nextCursor: string | null } {
    const rows = sort === 'new' ? this.newestRows(cursor, limit + 1, includeHidden) : this.topRows(cursor, limit + 1, includeHidden);
    const items = rows.slice(0, limit).map(toModeratedItem);
    const last = items.at(-1);
    if (rows.length <= limit || !last) return { items, nextCursor: null };

    const nextCursor = sort === 'new' ? String(last.id) : `${last.votes}.${last.id}`;
    return { items, nextCursor };
  }

  /**
   * Counts one vote of `viewerId` for visible item `itemId`. The primary key
   * of `votes` turns a repeat into a no-op, so double clicks, replays and
   * concurrent requests count once. Returns null when the item is not visible.
   */
  vote(itemId: number, viewerId: string, now = Date.now()): VoteResult | null {
    return this.db.transaction(() => {
      const item = this.visibleItem(itemId);
      if (!item) return null;
      const inserted = this.statements.insertVote.run(itemId, viewerId, now).changes === 1;
      const votes = inserted ? this.addVotes(itemId, 1) : item.votes;
      return { id: itemId, votes, voted: true, changed: inserted };
    })();
  }

  /** Removes the vote of `viewerId` for visible item `itemId`; returns null when the item is not visible. */
  unvote(itemId: number, viewerId: string): VoteResult | null {
    return this.db.transaction(() => {
      const item = this.visibleItem(itemId);
      if (!item) return null;
      const deleted = this.statements.deleteVote.run(itemId, viewerId).changes === 1;
      const votes = deleted ? this.addVotes(itemId, -1) : item.votes;
      return { id: itemId, votes, voted: false, changed: deleted };
    })();
  }

  /** Returns the items that wait for the host's approval, oldest first, at most `limit`. */
  pendingItems(limit: number): ModeratedGalleryItem[] {
    return (this.statements.pending.all(limit) as ItemRow[]).map(toModeratedItem);
  }

  /** Returns whether `viewerId` has a vote on item `itemId`. */
  hasVoted(itemId: number, viewerId: string): boolean {
    return this.statements.hasVote.get(itemId, viewerId) !== undefined;
  }

  /** Returns the ids of the visible items `viewerId` voted for, newest first, at most `limit`. */
  votedIds(viewerId: string, limit: number): number[] {
    return (this.statements.votedIds.all(viewerId, limit) as { id: number }[]).map((row) => row.id);
  }

  /** Hides or shows item `id`, which also ends a wait for approval; returns whether its state changed. */
  setHidden(id: number, hidden: boolean): boolean {
    return this.statements.setHidden.run({ hidden: hidden ? 1 : 0, id }).changes === 1;
  }

  /** Deletes item `id` and its votes; returns null when there was none, or whether it was visible. */
  delete(id: number): { wasVisible: boolean } | null {
    const row = this.statements.delete.get(id) as { hidden: number } | undefined;
    return row ? { wasVisible: row.hidden === 0 } : null;
  }

  /** Bans `viewerId` and hides every item they submitted; returns the ids that were visible until now. */
  ban(viewerId: string, now = Date.now()): number[] {
    const hidden = this.db.transaction(() => {
      this.statements.ban.run(viewerId, now);
      return (this.statements.hideByViewer.all(viewerId) as { id: number }[]).map((row) => row.id);
    })();
    this.bans.add(viewerId);
    return hidden;
  }

  /** Lifts the ban of `viewerId`; their hidden items stay hidden. Returns whether there was a ban. */
  unban(viewerId: string): boolean {
    this.bans.delete(viewerId);
    return this.statements.unban.run(viewerId).changes === 1;
  }

  /** Every item with its PNG, oldest first, for the export. */
  *exportItems(): IterableIterator<ExportedItem> {
    for (const row of this.statements.exportAll.iterate() as IterableIterator<ItemRow & { png: Buffer }>) {
      yield { ...toModeratedItem(row), png: row.png };
    }
  }

  close(): void {
    this.db.close();
  }

  private addVotes(itemId: number, delta: number): number {
    return (this.statements.addVotes.get(delta, itemId) as { votes: number }).votes;
  }

  private newestRows(cursor: string | null, limit: number, includeHidden: boolean): ItemRow[] {
    const before = cursor === null ? Number.MAX_SAFE_INTEGER : parseNewCursor(cursor);
    const statement = includeHidden ? this.statements.newestAll : this.statements.newestVisible;
    return statement.all(before, limit) as ItemRow[];
  }

  private topRows(cursor: string | null, limit: number, includeHidden: boolean): ItemRow[] {
    const after = cursor === null ? { votes: Number.MAX_SAFE_INTEGER, id: Number.MAX_SAFE_INTEGER } : parseTopCursor(cursor);
    const statement = includeHidden ? this.statements.topAll : this.statements.topVisible;
    return statement.all({ ...after, limit }) as ItemRow[];
  }
}

/** Removes the moderation fields, for viewers. */
export function publicItem(item: ModeratedGalleryItem): GalleryItem {
  const { viewerId: _viewerId, hidden: _hidden, pending: _pending, ...visible } = item;
  return visible;
}

function toModeratedItem(row: ItemRow): ModeratedGalleryItem {
  return {
    id: row.id,
    title: row.title,
    z: JSON.parse(row.z) as number[],
    step: row.step,
    runId: row.run_id,
    createdAt: row.created_at,
    votes: row.votes,
    viewerId: row.viewer_id,
    hidden: row.hidden === 1,
    pending: row.pending === 1,
  };
}

function parseNewCursor(cursor: string): number {
  if (!/^\d{1,15}$/.test(cursor)) throw new CursorError(`cursor "${cursor}" is not a cursor of sort=new; pass the nextCursor of the previous page`);
  return Number(cursor);
}

function parseTopCursor(cursor: string): { votes: number; id: number } {
  const match = /^(\d{1,15})\.(\d{1,15})$/.exec(cursor);
  if (!match) throw new CursorError(`cursor "${cursor}" is not a cursor of sort=top; pass the nextCursor of the previous page`);
  return { votes: Number(match[1]), id: Number(match[2]) };
}
