// The store conformance suite on SQLite: a fresh database file per test.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.ts';
import { describeStoreConformance } from './conformance.ts';

const dir = mkdtempSync(join(tmpdir(), 'p3s-store-'));
let count = 0;
let path = '';

afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function opened(file: string) {
  const store = await openStore({ sqlitePath: file });
  await store.migrate();
  return store;
}

describeStoreConformance('SQLite', () => ({
  dialect: 'sqlite',
  fresh: () => {
    count += 1;
    path = join(dir, `case-${count}`, 'p3s.db');
    return opened(path);
  },
  reopen: () => opened(path),
  exec: async (statement) => {
    const db = new BetterSqlite3(path);
    try {
      db.exec(statement);
    } finally {
      db.close();
    }
  },
}));

describe('SQLite store files', () => {
  it('creates missing parent folders and uses WAL', async () => {
    const file = join(dir, 'a', 'b', 'c', 'p3s.db');
    const store = await opened(file);
    await store.close();
    const db = new BetterSqlite3(file);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('works in memory', async () => {
    const store = await opened(':memory:');
    expect((await store.summary()).jobs.total).toBe(0);
    await store.close();
  });
});
