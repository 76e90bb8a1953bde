import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { MIGRATIONS } from '../../server/gallery/migrations';
import { GalleryStore } from '../../server/gallery/store';
import { migrate, SchemaVersionError } from '../../server/storage/sqlite';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'latentcast-migrations-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const columns = (db: Database.Database, table: string) => (db.pragma(`table_info(${table})`) as { name: string }[]).map((column) => column.name);

describe('gallery migrations', () => {
  it('builds the schema in an empty database', () => {
    const path = join(dir, 'gallery.db');
    GalleryStore.open(path).close();

    const db = new Database(path);
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(columns(db, 'items')).toContain('hidden');
    expect(columns(db, 'bans')).toEqual(['viewer_id', 'created_at']);
    db.close();
  });

  it('upgrades a version 1 database and keeps its rows', () => {
    const path = join(dir, 'gallery.db');
    const old = new Database(path);
    expect(migrate(old, 'gallery', MIGRATIONS.slice(0, 1))).toBe(1);
    old.prepare("INSERT INTO items (viewer_id, title, z, png, step, run_id, created_at, votes) VALUES ('v1', 'old', '[1,2]', x'89504e47', 7, 'run-a', 1000, 1)").run();
    old.prepare("INSERT INTO votes (item_id, viewer_id, created_at) VALUES (1, 'v2', 1001)").run();
    old.close();

    const store = GalleryStore.open(path);
    expect(store.item(1)).toEqual({ id: 1, title: 'old', z: [1, 2], step: 7, runId: 'run-a', createdAt: 1000, votes: 1, viewerId: 'v1', hidden: false, pending: false });
    expect(store.hasVoted(1, 'v2')).toBe(true);
    expect(store.ban('v1')).toEqual([1]);
    store.close();

    const db = new Database(path);
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    db.close();
  });

  it('runs nothing on a database that is up to date', () => {
    const path = join(dir, 'gallery.db');
    GalleryStore.open(path).close();
    const db = new Database(path);
    expect(migrate(db, 'gallery', MIGRATIONS)).toBe(MIGRATIONS.length);
    db.close();
  });

  it('rolls back a failing migration with its version', () => {
    const db = new Database(join(dir, 'gallery.db'));
    const failing = [...MIGRATIONS, () => db.exec('CREATE TABLE half (id INTEGER); SELECT no_such_function();')];
    expect(() => migrate(db, 'gallery', failing)).toThrow(/no such function/);
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'half'").get()).toBeUndefined();
    db.close();
  });

  it('rejects a database from a newer version', () => {
    const path = join(dir, 'gallery.db');
    const db = new Database(path);
    db.pragma(`user_version = ${MIGRATIONS.length + 3}`);
    db.close();
    expect(() => GalleryStore.open(path)).toThrow(SchemaVersionError);
    expect(() => GalleryStore.open(path)).toThrow(/schema version 6, but this host supports versions up to 3; run a newer latentcast, or pass another --state-dir/);
  });
});
