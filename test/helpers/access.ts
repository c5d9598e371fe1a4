// Helpers for the access-control tests (test/server/access-matrix, pilot-isolation, fuzz): a test
// app whose SQLite file path is known, the nine identities of the access matrix, and a fingerprint
// of everything stored, read through a second read-only connection to the same file.

import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { AppConfig } from '../../src/server/app.ts';
import { hashSecret } from '../../src/server/auth/secrets.ts';
import { openStore } from '../../src/store/open-store.ts';
import type { Store } from '../../src/store/store.ts';
import { createToken, makeTestApp, type TestApp } from './app.ts';

export interface FileTestApp extends TestApp {
  /** The SQLite file the app's store writes. */
  dbPath: string;
}

/** makeTestApp on a SQLite file whose path the test knows (to fingerprint it read-only). */
export async function makeFileTestApp(config: Partial<AppConfig> = {}): Promise<FileTestApp> {
  const dir = mkdtempSync(join(tmpdir(), 'p3s-access-'));
  const dbPath = join(dir, 'p3s.db');
  const store = await openStore({ sqlitePath: dbPath });
  const t = await makeTestApp(config, store);
  return {
    ...t,
    dbPath,
    close: async () => {
      await t.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The identities of the access matrix, in the order of its columns. */
export const IDENTITIES = [
  'none',
  'bad',
  'expired',
  'revoked',
  'userA',
  'userB',
  'pilot',
  'pilotB',
  'admin',
] as const;
export type Identity = (typeof IDENTITIES)[number];

export const SITE_A = 'siteA';
export const SITE_B = 'siteB';
export const USER_A = 'alice';
export const USER_B = 'bob';

/**
 * The bearer secret of each identity (null: no Authorization header). `expired` and `revoked` are
 * admin tokens, so a refusal can only come from their state, never from their role.
 */
export async function createIdentities(t: TestApp): Promise<Record<Identity, string | null>> {
  const { store } = t;
  const revoked = await createToken(store, 'admin', 'admin');
  await store.auth.revokeToken(await tokenIdOf(store, revoked), 'test', Date.now());
  return {
    none: null,
    // Well-formed (prefix and length of a real secret) but never issued.
    bad: `p3s_${'Q'.repeat(43)}`,
    expired: await createToken(store, 'admin', 'admin', { expiresAt: Date.now() - 60_000 }),
    revoked,
    userA: await createToken(store, 'user', USER_A),
    userB: await createToken(store, 'user', USER_B),
    pilot: await createToken(store, 'pilot', 'pilot-siteA', { site: SITE_A }),
    pilotB: await createToken(store, 'pilot', 'pilot-siteB', { site: SITE_B }),
    admin: t.adminToken,
  };
}

/** The stored id of the token with this secret. */
export async function tokenIdOf(store: Store, secret: string): Promise<number> {
  const token = await store.auth.findTokenByHash(hashSecret(secret));
  if (!token) throw new Error('no such token');
  return token.id;
}

/** Stored state that a refused request must leave alone: the audit trail records refusals by design. */
const SKIPPED_TABLES = new Set(['audit_events']);
/** Columns that change on reads: a token's last use is recorded for every authenticated request. */
const SKIPPED_COLUMNS: Record<string, readonly string[]> = { tokens: ['last_used_at'] };

export interface TableFingerprint {
  count: number;
  maxId: number | null;
  hash: string;
}
export type DbFingerprint = Record<string, TableFingerprint>;

/** A read-only view of an app's SQLite file that fingerprints every table (bar the audit trail). */
export class DbFingerprinter {
  readonly #db: BetterSqlite3.Database;
  readonly #queries: {
    table: string;
    rows: BetterSqlite3.Statement;
    maxId: BetterSqlite3.Statement | null;
  }[];

  constructor(path: string) {
    this.#db = new BetterSqlite3(path, { readonly: true, fileMustExist: true });
    const tables = this.#db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .all() as { name: string }[];
    this.#queries = tables
      .map((t) => t.name)
      .filter((name) => !SKIPPED_TABLES.has(name))
      .map((table) => {
        const columns = (this.#db.prepare(`PRAGMA table_info("${table}")`).all() as { name: string }[])
          .map((c) => c.name)
          .filter((c) => !SKIPPED_COLUMNS[table]?.includes(c));
        const list = columns.map((c) => `"${c}"`).join(', ');
        // AUTOINCREMENT counters: the audit trail's moves with every recorded refusal.
        const where =
          table === 'sqlite_sequence'
            ? ` WHERE name NOT IN (${[...SKIPPED_TABLES].map((n) => `'${n}'`).join(', ')})`
            : '';
        return {
          table,
          rows: this.#db.prepare(`SELECT ${list} FROM "${table}"${where} ORDER BY 1`).raw(true),
          maxId: columns.includes('id') ? this.#db.prepare(`SELECT MAX(id) AS m FROM "${table}"`) : null,
        };
      });
  }

  /** Tables fingerprinted (for a sanity check that the schema was found). */
  get tables(): string[] {
    return this.#queries.map((q) => q.table);
  }

  fingerprint(): DbFingerprint {
    const result: DbFingerprint = {};
    const read = this.#db.transaction(() => {
      for (const q of this.#queries) {
        const rows = q.rows.all() as unknown[][];
        const hash = createHash('sha256');
        for (const row of rows) hash.update(JSON.stringify(row, jsonSafe)).update('\n');
        result[q.table] = {
          count: rows.length,
          maxId: q.maxId ? ((q.maxId.get() as { m: number | null }).m ?? null) : null,
          hash: hash.digest('hex').slice(0, 16),
        };
      }
    });
    read();
    return result;
  }

  close(): void {
    this.#db.close();
  }
}

function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  // Buffers (log bytes) stringify through toJSON before reaching here; keep them compact.
  if (value && typeof value === 'object' && (value as { type?: string }).type === 'Buffer')
    return createHash('sha256')
      .update(Buffer.from((value as { data: number[] }).data))
      .digest('hex');
  return value;
}

/** The tables whose fingerprints differ (empty: nothing stored changed). */
export function changedTables(before: DbFingerprint, after: DbFingerprint): string[] {
  const names = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...names].filter((name) => JSON.stringify(before[name]) !== JSON.stringify(after[name]));
}
