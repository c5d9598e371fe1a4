import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../schema.ts';
import type { Transact, Tx } from '../transaction.ts';
import { MAX_GROUP } from './group-commit.ts';
import { sqliteTransact } from './transact.ts';

let dir: string;
let database: BetterSqlite3.Database;
let db: Kysely<Database>;
let transact: Transact;
/** Every statement SQLite ran, lower-cased. */
let statements: string[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'p3s-group-'));
  statements = [];
  const file = join(dir, 'db.sqlite');
  database = new BetterSqlite3(file, { verbose: (s) => statements.push(String(s).toLowerCase()) });
  database.pragma('journal_mode = WAL');
  database.exec('CREATE TABLE t (v INTEGER NOT NULL UNIQUE)');
  db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
  transact = sqliteTransact(db, file, () => database.inTransaction);
});

afterEach(async () => {
  await db.destroy();
  rmSync(dir, { recursive: true, force: true });
});

const insert = (v: number) => (tx: Tx) => sql`INSERT INTO t (v) VALUES (${v})`.execute(tx).then(() => v);
const stored = () =>
  (database.prepare('SELECT v FROM t ORDER BY v').all() as { v: number }[]).map((r) => r.v);
const commits = () => statements.filter((s) => s === 'commit').length;

describe('SQLite group commit', () => {
  it('commits a lone write at once, without savepoints', async () => {
    expect(await transact(insert(1))).toBe(1);
    expect(stored()).toEqual([1]);
    expect(commits()).toBe(1);
    expect(statements.some((s) => s.startsWith('savepoint'))).toBe(false);
  });

  it('groups the writes queued in one turn of the event loop under one commit', async () => {
    const results = await Promise.all([1, 2, 3, 4].map((v) => transact(insert(v))));
    expect(results).toEqual([1, 2, 3, 4]);
    expect(stored()).toEqual([1, 2, 3, 4]);
    expect(commits()).toBe(1);
  });

  it('undoes only the failing write of a group and answers each caller with its own result', async () => {
    const failing = async (tx: Tx) => {
      await insert(20)(tx);
      await insert(2)(tx); // duplicate of the group's second write: the UNIQUE constraint fails
    };
    const settled = await Promise.allSettled([
      transact(insert(1)),
      transact(insert(2)),
      transact(failing),
      transact(insert(3)),
    ]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect(String((settled[2] as PromiseRejectedResult).reason)).toMatch(/UNIQUE/);
    expect(stored()).toEqual([1, 2, 3]); // 20 was rolled back with its write
    expect(commits()).toBe(1);
  });

  it('rolls back a group in which every write failed', async () => {
    const boom = async () => {
      throw new Error('boom');
    };
    const settled = await Promise.allSettled([transact(boom), transact(boom)]);
    expect(settled.every((s) => s.status === 'rejected')).toBe(true);
    expect(commits()).toBe(0);
    expect(statements.filter((s) => s === 'rollback')).toHaveLength(1);
  });

  it('fails the whole group when SQLite rolls the transaction back by itself', async () => {
    await transact(insert(1));
    // A write that ends the transaction behind the group's back, as SQLite does on some errors.
    const ender = async (tx: Tx) => {
      await sql`ROLLBACK`.execute(tx);
      throw new Error('the disk is full');
    };
    const settled = await Promise.allSettled([transact(insert(2)), transact(ender), transact(insert(3))]);
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(String((settled[0] as PromiseRejectedResult).reason)).toMatch(/disk is full/);
    // Nothing of the group was stored, and the write after it ran in a transaction of its own.
    expect(stored()).toEqual([1]);
    expect(await transact(insert(4))).toBe(4);
    expect(stored()).toEqual([1, 4]);
  });

  it(`splits more than ${MAX_GROUP} queued writes into groups, answering all in order`, async () => {
    const n = MAX_GROUP * 2 + 5;
    const values = Array.from({ length: n }, (_, i) => i);
    expect(await Promise.all(values.map((v) => transact(insert(v))))).toEqual(values);
    expect(stored()).toEqual(values);
    expect(commits()).toBe(3);
  });

  it('serialises the writes of two stores on the same file', async () => {
    const raw = new BetterSqlite3(join(dir, 'db.sqlite'));
    const second = new Kysely<Database>({ dialect: new SqliteDialect({ database: raw }) });
    const other = sqliteTransact(second, join(dir, 'db.sqlite'), () => raw.inTransaction);
    try {
      const all = await Promise.all([transact(insert(1)), other(insert(2)), transact(insert(3))]);
      expect(all).toEqual([1, 2, 3]);
      expect(stored()).toEqual([1, 2, 3]);
    } finally {
      await second.destroy();
    }
  });
});
