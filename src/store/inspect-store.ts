// Read-only looks at a database for `p3s doctor`: does the SQLite driver load, can the database be
// opened, and are its migrations the ones this p3s knows. Nothing is created or migrated.

import { existsSync } from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { readMigrationStatus } from './migrate.ts';
import { migrationsFor } from './migrations/index.ts';
import { openStore } from './open-store.ts';
import type { Database } from './schema.ts';
import type { Dialect } from './store.ts';

export interface MigrationReport {
  dialect: Dialect;
  /** Applied migrations this p3s knows. */
  applied: string[];
  /** Known migrations not applied yet (the server applies them at start). */
  pending: string[];
  /** Applied migrations this p3s does not know: the database belongs to a newer p3s. */
  unknown: string[];
}

export type DatabaseInspection =
  | { kind: 'missing'; path: string }
  | ({ kind: 'ok' } & MigrationReport)
  | { kind: 'error'; message: string };

/** Loads the SQLite native module and opens an in-memory database; the SQLite version, or why not. */
export function checkSqliteDriver(): { ok: true; version: string } | { ok: false; message: string } {
  try {
    const db = new BetterSqlite3(':memory:');
    try {
      const row = db.prepare('select sqlite_version() as version').get() as { version: string };
      return { ok: true, version: row.version };
    } finally {
      db.close();
    }
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
}

/** Opens the database read-only (a SQLite file must exist already) and compares its migrations. */
export async function inspectDatabase(options: {
  databaseUrl?: string;
  sqlitePath: string;
}): Promise<DatabaseInspection> {
  try {
    if (options.databaseUrl) {
      const store = await openStore({ databaseUrl: options.databaseUrl });
      try {
        return { kind: 'ok', ...report(store.dialect, await store.migrationStatus()) };
      } finally {
        await store.close();
      }
    }
    if (!existsSync(options.sqlitePath)) return { kind: 'missing', path: options.sqlitePath };
    const database = new BetterSqlite3(options.sqlitePath, { readonly: true, fileMustExist: true });
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
    try {
      return { kind: 'ok', ...report('sqlite', await readMigrationStatus(db, 'sqlite')) };
    } finally {
      await db.destroy();
    }
  } catch (error) {
    return { kind: 'error', message: (error as Error).message };
  }
}

function report(dialect: Dialect, status: { applied: string[]; pending: string[] }): MigrationReport {
  const known = new Set(Object.keys(migrationsFor(dialect)));
  return {
    dialect,
    applied: status.applied.filter((name) => known.has(name)),
    pending: status.pending,
    unknown: status.applied.filter((name) => !known.has(name)),
  };
}
