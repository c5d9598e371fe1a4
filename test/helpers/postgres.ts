// PostgreSQL for tests: a throw-away database per caller on the server named by
// P3S_TEST_POSTGRES_URL. Without a server, tests skip with a warning, except in CI or
// with P3S_REQUIRE_POSTGRES=1, where the missing server is an error.

import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const TEST_POSTGRES_URL =
  process.env.P3S_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  /** URL of the new, empty database. */
  url: string;
  /** Drops the database, ending any connection still open to it. */
  drop(): Promise<void>;
}

let availability: boolean | undefined;

/**
 * Whether the test PostgreSQL answers (checked once per process, synchronously so it can
 * drive `it.runIf`). Throws instead of returning false when PostgreSQL is required.
 */
export function postgresAvailable(): boolean {
  if (availability === undefined) {
    // A child process, because a connection attempt cannot be awaited where runIf is evaluated.
    const probe = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import pg from 'pg';
         const client = new pg.Client({ connectionString: process.argv[1], connectionTimeoutMillis: 3000 });
         try { await client.connect(); await client.query('select 1'); await client.end(); }
         catch (error) { console.error(error.message); process.exit(1); }`,
        TEST_POSTGRES_URL,
      ],
      { encoding: 'utf8', timeout: 10_000 },
    );
    availability = probe.status === 0;
    if (!availability) {
      const reason = `PostgreSQL at ${describe(TEST_POSTGRES_URL)} is not reachable: ${probe.stderr.trim() || probe.error?.message}`;
      if (process.env.CI || process.env.P3S_REQUIRE_POSTGRES === '1') {
        throw new Error(
          `${reason} (required because ${process.env.CI ? 'CI' : 'P3S_REQUIRE_POSTGRES=1'} is set)`,
        );
      }
      console.warn(`${reason}; skipping PostgreSQL tests (set P3S_TEST_POSTGRES_URL to point at one)`);
    }
  }
  return availability;
}

/** Creates a uniquely named database `p3s_test_<random>` next to the test database. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `p3s_test_${randomBytes(6).toString('hex')}`;
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

/** Runs one statement that cannot run inside a transaction, on the admin connection. */
async function admin(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

function describe(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || 5432}${parsed.pathname}`;
}
