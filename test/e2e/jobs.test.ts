// End to end with real processes: P3S job files submitted through the CLI are run by
// real pilots; results are checked from the payloads' own side effects and from the API.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, makeCluster } from '../helpers/cluster.ts';
import { waitFor } from '../helpers/processes.ts';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');
const PAYLOADS = join(FIXTURES, 'payloads');
const fixtureJson = (path: string) => JSON.parse(readFileSync(join(FIXTURES, 'p3s', path), 'utf8'));

let c: Cluster;
beforeAll(async () => {
  c = await makeCluster();
});
afterAll(async () => {
  await c?.close();
});

/** Writes a temporary copy of a job list (fixtures themselves are never edited). */
function tempJobFile(name: string, jobs: unknown): string {
  const path = join(c.dataDir, name);
  writeFileSync(path, JSON.stringify(jobs, null, 2));
  return path;
}

async function jobState(id: number): Promise<string> {
  return (await c.json(['job', 'show', String(id)])).job.state;
}

describe('jobs end to end', () => {
  it('runs the seed example (COPY mode, date > $MYFILE) and --wait exits 0', async () => {
    const myfile = join(c.dataDir, 'myfile.txt');
    const seed = [
      {
        name: 'p3s_test',
        timeout: '100',
        jobtype: 'print_date',
        payload: join(PAYLOADS, 'my_executable.sh'),
        env: { P3S_MODE: 'COPY', MYFILE: myfile },
        priority: '1',
        state: 'defined',
      },
    ];
    const pilot = c.startPilot(['-c', '0', '-b', '0.5']);
    const res = await c.cli(['job', 'submit', tempJobFile('myjob.json', seed), '--wait']);
    expect(res.code, res.stderr).toBe(0);
    expect(readFileSync(myfile, 'utf8')).toMatch(/\d{4}/);
    pilot.signal('SIGTERM');
    expect(await pilot.exited).toBe(0);
  });

  it('runs printEnv.json unchanged, with the job and pilot identity in the payload env', async () => {
    const pilot = c.startPilot(['-c', '0', '-b', '0.5']);
    const submitted = await c.cli([
      'job',
      'submit',
      join(FIXTURES, 'p3s', 'jobs', 'printEnv.json'),
      '--json',
      '--wait',
    ]);
    expect(submitted.code, submitted.stderr).toBe(0);
    const id = JSON.parse(submitted.stdout).jobs?.[0]?.id ?? JSON.parse(submitted.stdout)[0]?.id;
    const logs = await c.cli(['job', 'logs', String(id)]);
    expect(logs.stdout).toContain('P3S_COMMENT=we are not using a wrapper');
    expect(logs.stdout).toMatch(/P3S_JOB_UUID=[0-9a-f-]{36}/);
    expect(logs.stdout).toMatch(/P3S_PILOT_UUID=\S+/);
    const shown = await c.json(['job', 'show', String(id)]);
    expect(shown.job).toMatchObject({ state: 'finished', exitCode: 0, name: 'printEnv' });
    // `running` only if the payload outlived the pilot's start-report delay (a quick one is reported by its finish).
    const states: string[] = shown.events.map((e: { toState: string }) => e.toState);
    expect(states.filter((s) => s !== 'running')).toEqual(['defined', 'dispatched', 'finished']);
    expect(shown.job.pid).toEqual(expect.any(Number));
    pilot.signal('SIGTERM');
    await pilot.exited;
  });

  it('runs simplejob1 and threeSimpleJobs with their payload paths pointed at our script; -f sets P3S_INPUT_FILE', async () => {
    const swap = (jobs: { payload: string; env: Record<string, string> }[]) =>
      jobs.map((job, i) => ({
        ...job,
        payload: join(PAYLOADS, 'simplejob.sh'),
        env: { ...job.env, P3S_OUTPUT_FILE: join(c.dataDir, `simple-${i}.out`) },
      }));
    const one = tempJobFile('simplejob1.json', swap(fixtureJson('jobs/simplejob1.json')));
    const three = tempJobFile('three.json', swap(fixtureJson('jobs/threeSimpleJobs.json')));
    const pilot = c.startPilot(['-c', '0', '-b', '0.5']);
    const r1 = await c.cli(['job', 'submit', '-j', one, '-f', '/data/run42.root', '--wait']);
    expect(r1.code, r1.stderr).toBe(0);
    expect(readFileSync(join(c.dataDir, 'simple-0.out'), 'utf8')).toContain('input=/data/run42.root');
    const r3 = await c.cli(['job', 'submit', three, '--wait']);
    expect(r3.code, r3.stderr).toBe(0);
    for (const [i, input] of ['file1', 'file2', 'file3'].entries()) {
      expect(readFileSync(join(c.dataDir, `simple-${i}.out`), 'utf8')).toContain(`input=${input}`);
    }
    pilot.signal('SIGTERM');
    await pilot.exited;
  });

  it('dispatches job_template2.json by priority, highest first', async () => {
    const submitted = await c.json(['job', 'submit', join(FIXTURES, 'p3s', 'jobs', 'job_template2.json')]);
    const ids: number[] = (submitted.jobs ?? submitted).map((j: { id: number }) => j.id);
    const pilot = c.startPilot(['-c', '0', '-b', '0.5']);
    await waitFor('all 8 finished', async () => {
      const list = await c.json(['job', 'list', '--limit', '100']);
      return ids.every((id) => list.jobs.find((j: { id: number }) => j.id === id)?.state === 'finished');
    });
    const list = await c.json(['job', 'list', '--limit', '100']);
    const ours = list.jobs.filter((j: { id: number }) => ids.includes(j.id));
    ours.sort(
      (a: { dispatchedAt: number; id: number }, b: { dispatchedAt: number; id: number }) =>
        a.dispatchedAt - b.dispatchedAt || a.id - b.id,
    );
    expect(ours.map((j: { priority: number }) => j.priority)).toEqual([8, 7, 6, 5, 4, 3, 2, 1]);
    pilot.signal('SIGTERM');
    await pilot.exited;
  });

  it('kills a running job (job_template1.json, "sleep 30") within a heartbeat; it ends cancelled', async () => {
    const submitted = await c.json(['job', 'submit', join(FIXTURES, 'p3s', 'jobs', 'job_template1.json')]);
    const id = (submitted.jobs ?? submitted)[0].id;
    const pilot = c.startPilot(['-c', '0', '-b', '0.5']);
    await waitFor('job running', async () => (await jobState(id)) === 'running');
    const killed = await c.cli(['job', 'kill', String(id)]);
    expect(killed.code, killed.stderr).toBe(0);
    await waitFor('job cancelled', async () => (await jobState(id)) === 'cancelled', 10_000);
    const shown = await c.json(['job', 'show', String(id)]);
    expect(shown.job.errorName).toBe('killed');
    pilot.signal('SIGTERM');
    await pilot.exited;
  });

  it('follows a live log, then retries a failed job as a new attempt', async () => {
    const job = [
      { name: 'ticker', payload: join(PAYLOADS, 'slow-then-done.sh'), env: { SLOW_SECONDS: '2' } },
    ];
    const submitted = await c.json(['job', 'submit', tempJobFile('ticker.json', job)]);
    const id = (submitted.jobs ?? submitted)[0].id;
    const pilot = c.startPilot(['-c', '0', '-b', '0.3']);
    const follow = await c.cli(['job', 'logs', String(id), '--follow'], { timeoutMs: 30_000 });
    expect(follow.code, follow.stderr).toBe(0);
    expect(follow.stdout).toBe('tick 0\ntick 1\ndone\n');

    const failing = [
      { name: 'fails', payload: '/bin/sh -c "echo broken >&2; exit 3"', env: { P3S_EXECMODE: '' } },
    ];
    const f = await c.cli(['job', 'submit', tempJobFile('fail.json', failing), '--wait']);
    expect(f.code).not.toBe(0);
    const failedId = (await c.json(['job', 'list', '--name', 'fails'])).jobs[0].id;
    const shown = await c.json(['job', 'show', String(failedId)]);
    expect(shown.job).toMatchObject({ state: 'failed', exitCode: 3, errorName: 'exit_code' });
    expect((await c.cli(['job', 'logs', String(failedId), '--stderr'])).stdout).toContain('broken');
    const retried = await c.cli(['job', 'retry', String(failedId)]);
    expect(retried.code, retried.stderr).toBe(0);
    await waitFor(
      'retry ran',
      async () => (await c.json(['job', 'show', String(failedId)])).attempts.length === 2,
    );
    const again = await c.json(['job', 'show', String(failedId)]);
    expect(again.job.attempt).toBe(2);
    expect(again.attempts.map((a: { attempt: number; exitCode: number }) => [a.attempt, a.exitCode])).toEqual(
      [
        [1, 3],
        [2, 3],
      ],
    );
    pilot.signal('SIGTERM');
    await pilot.exited;
  });

  it('refuses invalid input with a clear message, a non-zero exit and nothing stored', async () => {
    const before = (await c.json(['job', 'list'])).total;
    const invalid = await c.cli(['job', 'submit', join(FIXTURES, 'p3s', 'data', 'sampleFTSmeta1.json')]);
    expect(invalid.code).not.toBe(0);
    expect(invalid.stderr).toMatch(/line \d+/);
    const bad = await c.cli([
      'job',
      'submit',
      tempJobFile('bad.json', [{ payload: '/bin/true' }, { payload: '/bin/true', timeout: 'soon' }]),
    ]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('timeout');
    expect((await c.json(['job', 'list'])).total).toBe(before);
  });

  it('summarises jobs and pilots by state', async () => {
    const summary = await c.json(['summary']);
    expect(summary.jobs.finished).toBeGreaterThan(0);
    expect(summary.pilots.stopped).toBeGreaterThan(0);
  });
});
