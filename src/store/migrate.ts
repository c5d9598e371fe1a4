// Applies migrations under a lock and refuses a database migrated by a newer p3s.
// PostgreSQL: Kysely's advisory lock and transaction. SQLite: one BEGIN IMMEDIATE around it all.

import { type Kysely, type MigrationProvider, Migrator, sql } from 'kysely';
import { SchemaTooNewError, toError } from '../core/index.ts';
import type { StoreDialect } from './dialect.ts';
import { migrationsFor } from './migrations/index.ts';
import type { Database } from './schema.ts';
import type { Dialect } from './store.ts';

const MIGRATION_TABLE = 'p3s_migrations';
const MIGRATION_LOCK_TABLE = 'p3s_migrations_lock';

/** Applies the pending migrations of the dialect's database, atomically and exclusively (the dialect says how). */
export async function migrateStore(db: Kysely<Database>, dialect: StoreDialect): Promise<void> {
  await dialect.migrate(db, async (db) => {
    await assertSchemaKnown(db, dialect.name);
    await runMigrator(db, dialect.name);
  });
}

export async function readMigrationStatus(
  db: Kysely<Database>,
  dialect: Dialect,
): Promise<{ applied: string[]; pending: string[] }> {
  const applied = await appliedMigrations(db);
  const known = Object.keys(migrationsFor(dialect)).sort();
  return { applied, pending: known.filter((name) => !applied.includes(name)) };
}

async function assertSchemaKnown(db: Kysely<Database>, dialect: Dialect): Promise<void> {
  const known = new Set(Object.keys(migrationsFor(dialect)));
  const unknown = (await appliedMigrations(db)).filter((name) => !known.has(name));
  if (unknown.length > 0) throw new SchemaTooNewError(unknown);
}

async function appliedMigrations(db: Kysely<Database>): Promise<string[]> {
  const tables = await db.introspection.getTables({ withInternalKyselyTables: true });
  if (!tables.some((table) => table.name === MIGRATION_TABLE)) return [];
  const rows = await sql<{
    name: string;
  }>`select name from ${sql.table(MIGRATION_TABLE)} order by name`.execute(db);
  return rows.rows.map((row) => row.name);
}

async function runMigrator(db: Kysely<Database>, dialect: Dialect): Promise<void> {
  const provider: MigrationProvider = { getMigrations: async () => migrationsFor(dialect) };
  const migrator = new Migrator({
    db,
    provider,
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: MIGRATION_LOCK_TABLE,
  });
  const { error } = await migrator.migrateToLatest();
  if (error !== undefined) throw toError(error);
}
