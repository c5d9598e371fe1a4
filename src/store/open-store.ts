// Opens the Store the settings ask for: PostgreSQL for a postgres:// URL, otherwise a SQLite
// file (parent folders created; `:memory:` allowed). Call `migrate()` before use.

import { AppError } from '../core/index.ts';
import { StoreAvailability } from './availability.ts';
import { openPostgresDialect } from './postgres/dialect.ts';
import { StoreSignals } from './signals.ts';
import { SqlStore } from './sql-store.ts';
import { openSqliteDialect } from './sqlite/dialect.ts';
import { PROCESS_SQLITE_WRITERS } from './sqlite/transact.ts';
import type { Store } from './store.ts';

export interface OpenStoreOptions {
  /** postgres://… or postgresql://… selects PostgreSQL. */
  databaseUrl?: string;
  /** SQLite file used when no database URL is given. */
  sqlitePath?: string;
}

export async function openStore(options: OpenStoreOptions): Promise<Store> {
  const url = options.databaseUrl?.trim();
  if (url) {
    if (/^postgres(ql)?:\/\//i.test(url)) return openPostgres(url);
    throw new AppError(
      'store_unavailable',
      `unsupported database URL scheme in ${describeUrl(url)}: use postgres://`,
    );
  }
  if (!options.sqlitePath)
    throw new AppError('store_unavailable', 'no database: give a PostgreSQL URL or a SQLite path');
  return openSqlite(options.sqlitePath);
}

function openSqlite(path: string): Store {
  const availability = new StoreAvailability();
  const { db, dialect } = openSqliteDialect(path, availability, PROCESS_SQLITE_WRITERS);
  const signals = new StoreSignals();
  return new SqlStore(db, dialect, signals, availability);
}

async function openPostgres(url: string): Promise<Store> {
  const availability = new StoreAvailability();
  const { db, dialect, config } = await openPostgresDialect(url, availability, describeUrl(url));
  const signals = new StoreSignals({ listenConfig: config, db });
  return new SqlStore(db, dialect, signals, availability);
}

/** host:port/database of a URL, never its credentials. */
function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}${parsed.port ? `:${parsed.port}` : ''}${parsed.pathname}`;
  } catch {
    return 'the given URL';
  }
}
