// The rough edges a new user hit, tried the way they met them: the real CLI against a real server
// and real pilots. Names with escape sequences, CJK and emoji in `job list`; its --error, --since
// and --ids filters; a single job object; a DAG named after a file with a space; failed and
// cancelled jobs told apart in `workflow list`; a time-limit failure whose run time agrees with
// its message; Ctrl-C on `job submit --wait`.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import stringWidth from 'string-width';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, makeCluster } from '../helpers/cluster.ts';
import { graphml } from '../helpers/graphml.ts';
import { type Proc, startP3s, waitFor } from '../helpers/processes.ts';

let c: Cluster;
let pilot: Proc;
beforeAll(async () => {
  c = await makeCluster();
  pilot = c.startPilot(['-c', '0', '-b', '0.5']);
});
afterAll(async () => {
  pilot?.signal('SIGTERM');
  await c?.close();
});

function jobFile(name: string, jobs: unknown): string {
  const path = join(c.dataDir, name);
  writeFileSync(path, JSON.stringify(jobs));
  return path;
}

async function submitAndWait(jobs: Record<string, unknown>[]): Promise<number[]> {
  const res = await c.cli(['job', 'submit', jobFile(`jobs-${Date.now()}.json`, jobs), '--wait', '--json']);
  expect([0, 1], res.stderr).toContain(res.code);
  return JSON.parse(res.stdout)
    .jobs.map((j: { id: number }) => j.id)
    .sort((a: number, b: number) => a - b);
}

/** Display columns of `line` before `needle` (where a column starts). */
const columnOf = (line: string, needle: string) => stringWidth(line.slice(0, line.indexOf(needle)));

describe('job list as a newcomer reads it', () => {
  it('shows escape sequences and bidi overrides in names as text, and aligns CJK and emoji names', async () => {
    const evil = 'evil\x1b[2J\x1b]0;pwned\x07\x1b[8m\rtxt.exe\u202e';
    const ids = await submitAndWait([
      { name: evil, payload: '/bin/true' },
      { name: '日本語のジョブ', payload: '/bin/true' },
      { name: '🚀 launch 👩‍🔬', payload: '/bin/true' },
      { name: 'plain', payload: '/bin/true' },
    ]);
    const res = await c.cli(['job', 'list', '--limit', String(ids.length)]);
    expect(res.code, res.stderr).toBe(0);
    // NO_COLOR is set (baseEnv): nothing in the output may act on a terminal.
    expect(res.stdout).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/);
    expect(res.stdout).toContain('evil\\x1b[2J\\x1b]0;'); // the name column cuts the rest
    const lines = res.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(5);
    const stateColumn = columnOf(lines[0] as string, 'STATE');
    for (const line of lines.slice(1)) expect(columnOf(line, 'finished'), line).toBe(stateColumn);

    const show = await c.cli(['job', 'show', String(ids[0])]);
    expect(show.stdout).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e]/);
    // The header quotes the name as JSON; U+202E, which JSON leaves as it is, is escaped too.
    expect(show.stdout).toContain('"evil\\u001b[2J\\u001b]0;pwned\\u0007\\u001b[8m\\rtxt.exe\\u202e"');
  });

  it('filters by --error, --since and --ids like the API', async () => {
    const [ok, bad] = await submitAndWait([
      { name: 'filter-ok', payload: '/bin/true' },
      { name: 'filter-bad', payload: '/bin/false' },
    ]);
    const listed = async (args: string[]) =>
      (await c.json(['job', 'list', ...args])).jobs.map((j: { id: number }) => j.id);
    expect(await listed(['--error', 'exit_code', '--ids', `${ok},${bad}`])).toEqual([bad]);
    expect(await listed(['--since', '1h', '--ids', `${ok},${bad}`])).toEqual([bad, ok]);
    expect(await listed(['--until', '1h', '--ids', `${ok},${bad}`])).toEqual([]);
    expect(await listed(['--since', '2000-01-01', '--time', 'created', '--name', 'filter-*'])).toEqual([
      bad,
      ok,
    ]);
    const wrong = await c.cli(['job', 'list', '--since', 'yesterday']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/--since.*30m.*2024-05-01/);
  });
});

describe('submitting as a newcomer writes it', () => {
  it('says how to fix a single job object instead of "jobs: must be array"', async () => {
    const file = jobFile('single.json', { name: 'one', payload: '/bin/true' });
    const res = await c.cli(['job', 'submit', file]);
    expect(res.code).toBe(2);
    expect(res.stderr).not.toContain('must be array');
    expect(res.stderr).toContain('a list of job objects');
    expect(res.stderr).toContain('[{"name": …}]');
  });

  it('explains a DAG name it refuses and offers --name, instead of the schema pattern', async () => {
    const file = join(c.dataDir, 'my filters.graphml');
    writeFileSync(file, graphml([{ id: 'a', payload: '/bin/true' }], []));
    const res = await c.cli(['dag', 'add', file]);
    expect(res.code).toBe(2);
    expect(res.stderr).not.toContain('must match pattern');
    expect(res.stderr).toContain('"my filters"');
    expect(res.stderr).toMatch(/letters, digits/);
    expect(res.stderr).toContain('--name my-filters');
    expect((await c.cli(['dag', 'add', file, '--name', 'my-filters'])).code).toBe(0);
  });
});

describe('workflows and time limits as a newcomer reads them', () => {
  it('counts failed and cancelled jobs in their own columns of workflow list', async () => {
    // a fails; b (its child) is cancelled by it; c runs on its own branch and finishes.
    const file = join(c.dataDir, 'fails.graphml');
    writeFileSync(
      file,
      graphml(
        [
          { id: 'a', payload: '/bin/false' },
          { id: 'b', payload: '/bin/true' },
          { id: 'c', payload: '/bin/true' },
        ],
        [{ source: 'a', target: 'b', name: 'x.txt' }],
      ),
    );
    expect((await c.cli(['dag', 'add', file])).code).toBe(0);
    const created = await c.json(['workflow', 'create', 'fails', '-s', 'defined']);
    const id = created.workflow.id;
    await waitFor(
      'the workflow failed',
      async () => (await c.json(['workflow', 'show', String(id)])).workflow.state === 'failed',
      30_000,
    );
    const res = await c.cli(['workflow', 'list', '--dag', 'fails']);
    const [head, row] = res.stdout.trimEnd().split('\n') as [string, string];
    expect(head).toMatch(/DONE\s+FAILED\s+CANCELLED/);
    const cells = row.trim().split(/\s{2,}/);
    const at = (name: string) =>
      cells[
        head
          .trim()
          .split(/\s{2,}/)
          .indexOf(name)
      ];
    expect([at('DONE'), at('FAILED'), at('CANCELLED')]).toEqual(['1/3', '1', '1']);
  });

  it('reports a time-limit failure with a run time of at least the limit', async () => {
    const [id] = await submitAndWait([{ name: 'too-slow', payload: '/bin/sleep 30', timeout: '2' }]);
    const { job } = await c.json(['job', 'show', String(id)]);
    expect(job.errorName).toBe('timelimit');
    expect(job.errorDiag).toContain('time limit of 2 s');
    expect(job.endedAt - job.startedAt).toBeGreaterThanOrEqual(2000);
    const row = (await c.cli(['job', 'list', '--ids', String(id)])).stdout.split('\n')[1] as string;
    const ran = /\s(\d+\.\d)s\s/.exec(row)?.[1];
    expect(Number(ran), row).toBeGreaterThanOrEqual(2);
  });

  it('says on Ctrl-C during --wait that the jobs keep running, and how to follow them', async () => {
    const file = jobFile('slow.json', [{ name: 'slow-wait', payload: '/bin/sleep 20' }]);
    const waiting = startP3s(['job', 'submit', file, '--wait'], c.env);
    await waitFor('submitted', () => /submitted 1 job: (\d+)/.test(waiting.output()), 30_000);
    const id = /submitted 1 job: (\d+)/.exec(waiting.output())?.[1];
    waiting.signal('SIGINT');
    expect(await waiting.exited).toBe(130);
    const said = waiting.output();
    expect(said).toContain(`job ${id} keeps running on the server`);
    expect(said).toContain(`p3s job list --ids ${id}`);
    expect(said).toContain(`p3s job kill ${id}`);
    expect((await c.json(['job', 'show', String(id)])).job.state).toMatch(/defined|dispatched|running/);
    await c.cli(['job', 'kill', String(id)]);
  });
});
