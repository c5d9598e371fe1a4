// `p3s job submit --idempotency-key` through the real CLI and server, on SQLite and PostgreSQL:
// the same command sent again creates no job and answers with the first one.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, makeCluster } from '../helpers/cluster.ts';
import { postgresAvailable } from '../helpers/postgres.ts';

describe.each([
  ['SQLite', 'sqlite' as const, true],
  ['PostgreSQL', 'postgres' as const, postgresAvailable()],
])('an idempotent re-send on %s', (_name, store, available) => {
  let c: Cluster;
  beforeAll(async () => {
    if (available) c = await makeCluster({ store });
  });
  afterAll(async () => {
    await c?.close();
  });

  it.runIf(available)('creates no job and answers with the first one', async () => {
    const file = join(c.dataDir, 'once.json');
    writeFileSync(file, JSON.stringify([{ name: 'once', payload: '/bin/true', state: 'template' }]));
    const args = ['job', 'submit', file, '--idempotency-key', 'nightly-2024-06-01'];
    const first = await c.json(args);
    const again = await c.cli([...args, '--json']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ replayed: true, jobs: [{ id: first.jobs[0].id }] });
    expect(again.stderr).toMatch(
      /sent before with idempotency key "nightly-2024-06-01": nothing new was created/,
    );
    expect((await c.json(['job', 'list'])).total).toBe(1);
    writeFileSync(file, JSON.stringify([{ name: 'other', payload: '/bin/true', state: 'template' }]));
    const other = await c.cli(args);
    expect(other.code).not.toBe(0);
    expect(other.stderr).toMatch(/already used for another request/);
    expect((await c.json(['job', 'list'])).total).toBe(1);
  });
});
