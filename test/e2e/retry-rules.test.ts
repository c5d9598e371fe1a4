// `p3s retry-rule` end to end on a real server process, on SQLite and PostgreSQL: add with flags,
// list, show by id and by name, delete; a pattern that does not compile and a taken name fail
// naming the problem.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, makeCluster } from '../helpers/cluster.ts';
import { postgresAvailable } from '../helpers/postgres.ts';
import { waitFor } from '../helpers/processes.ts';

describe.each([
  ['SQLite', 'sqlite' as const, true],
  ['PostgreSQL', 'postgres' as const, postgresAvailable()],
])('p3s retry-rule end to end on %s', (_name, store, available) => {
  let c: Cluster;
  beforeAll(async () => {
    if (available) c = await makeCluster({ store });
  });
  afterAll(async () => {
    await c?.close();
  });

  it.runIf(available)('adds, lists, shows and deletes a rule', async () => {
    const add = await c.cli([
      'retry-rule',
      'add',
      'scratch full',
      '--action',
      'retry',
      '--error',
      'exit_code',
      '--diag',
      'No space left',
      '--job-type',
      'reco',
      '--max-attempts',
      '4',
      '--delay',
      '30',
      '--delay-factor',
      '2',
    ]);
    expect(add.code, add.stderr).toBe(0);
    expect(add.stdout).toMatch(
      /^retry rule (\d+) "scratch full" added: error=exit_code diag=\/No space left\/ jobtype=reco → retry up to 4 attempts\n$/,
    );
    const id = Number(/retry rule (\d+)/.exec(add.stdout)?.[1]);

    const list = await c.cli(['retry-rule', 'list']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(
      /ID +NAME +MATCH +ACTION +ATTEMPTS +DELAY +FACTOR\/CAP +LOG-ONLY +CREATED BY/,
    );
    expect(list.stdout).toContain('p3s (shipped default)');
    expect(list.stdout).toMatch(
      /scratch full +error=exit_code diag=\/No space left\/ jobtype=reco +retry +4 +30s ×2 +- +no/,
    );
    const json = await c.json(['retry-rule', 'list']);
    expect(json.rules).toHaveLength(6);

    const memory = await c.json([
      'retry-rule',
      'add',
      'more memory',
      '--action',
      'increase_memory',
      '--error',
      'memory_exceeded',
      '--factor',
      '1.5',
      '--cap',
      '8000',
      '--log-only',
    ]);
    expect(memory.rule).toMatchObject({ factor: 1.5, cap: 8000, logOnly: true, maxAttempts: 3 });

    const shown = await c.cli(['retry-rule', 'show', 'scratch full']);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain(`retry rule ${id} "scratch full"`);
    expect(shown.stdout).toMatch(/delay +30s ×2/);
    expect((await c.json(['retry-rule', 'show', String(id)])).rule.name).toBe('scratch full');

    const deleted = await c.cli(['retry-rule', 'delete', String(id)]);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stdout).toBe(`retry rule ${id}: deleted\n`);
    const again = await c.cli(['retry-rule', 'show', 'scratch full']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('retry rule "scratch full" not found');
    expect((await c.cli(['retry-rule', 'delete', 'scratch full'])).code).toBe(1);
  });

  it.runIf(available)(
    'refuses a pattern that does not compile, naming --diag, and a taken name',
    async () => {
      const bad = await c.cli(['retry-rule', 'add', 'broken', '--action', 'retry', '--diag', '(unclosed']);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain('p3s: retry rule "broken" not added');
      expect(bad.stderr).toMatch(/--diag: is not a regular expression/);
      expect(bad.stdout).toBe('');

      const usage = await c.cli(['retry-rule', 'add', 'x', '--action', 'again']);
      expect(usage.code).toBe(2);
      expect(usage.stderr).toContain('again');

      const first = await c.cli(['retry-rule', 'add', 'twice', '--action', 'no_retry', '--exit-code', '3']);
      expect(first.code, first.stderr).toBe(0);
      const taken = await c.cli(['retry-rule', 'add', 'twice', '--action', 'no_retry']);
      expect(taken.code).toBe(1);
      expect(taken.stderr).toContain('"twice"');
    },
  );

  it.runIf(available)('retries a failing job by a rule added with the CLI, with a real pilot', async () => {
    const add = await c.json([
      'retry-rule',
      'add',
      'exit 75 twice',
      '--action',
      'retry',
      '--error',
      'exit_code',
      '--exit-code',
      '75',
      '--max-attempts',
      '2',
    ]);
    const ruleId = add.rule.id;
    const [id] = await c.submit([
      { name: 'tempfail', payload: '/bin/sh -c "exit 75"', env: { P3S_EXECMODE: '' } },
    ]);
    const pilot = c.startPilot(['-c', '0', '-b', '0.3']);
    try {
      await waitFor('both attempts failed', async () => {
        const shown = await c.json(['job', 'show', String(id)]);
        return shown.job.state === 'failed' && shown.attempts.length === 2;
      });
    } finally {
      pilot.signal('SIGTERM');
      await pilot.exited;
    }
    const shown = await c.json(['job', 'show', String(id)]);
    expect(shown.job).toMatchObject({ attempt: 2, exitCode: 75, errorName: 'exit_code' });
    const byRule = shown.events.filter((e: { actor: string }) => e.actor === `rule:${ruleId}`);
    expect(byRule).toMatchObject([{ transition: 'retry' }]);
    expect(shown.events.at(-1).detail).toContain(
      `retry rule ${ruleId} "exit 75 twice": not retried: attempt 2 of 2 was the last`,
    );
  });
});
