// End to end with real pilots on graphs of our own: a diamond whose join waits for both parents,
// a failing middle job fixed and retried, a noop in the middle, and two sources. Each step records
// its start and end in a log, so the order checks come from the payloads themselves.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, makeCluster } from '../helpers/cluster.ts';
import { graphml, type TestEdge, type TestVertex } from '../helpers/graphml.ts';
import type { Proc } from '../helpers/processes.ts';

const STEP = join(import.meta.dirname, '..', 'fixtures', 'payloads', 'wf-step.sh');

let c: Cluster;
let pilots: Proc[] = [];
beforeAll(async () => {
  c = await makeCluster();
  pilots = [c.startPilot(['-c', '0', '-b', '0.5']), c.startPilot(['-c', '0', '-b', '0.5'])];
});
afterAll(async () => {
  for (const p of pilots) p.signal('SIGTERM');
  await c?.close();
});

/** A step vertex: runs wf-step.sh NAME, logging to `log`. */
const step = (id: string, log: string, seconds = 0.2): TestVertex => ({
  id,
  payload: `${STEP} ${id}`,
  env: { STEP_LOG: log, STEP_SECONDS: String(seconds) },
  jobtype: 'step',
  timelimit: 60,
});
const edge = (source: string, target: string): TestEdge => ({
  source,
  target,
  name: `${source}-${target}.dat`,
});

/** Stores the DAG, creates a started workflow from it and returns its id. */
async function startWorkflow(name: string, vertices: TestVertex[], edges: TestEdge[]): Promise<number> {
  const file = join(c.dataDir, `${name}.graphml`);
  writeFileSync(file, graphml(vertices, edges));
  const added = await c.cli(['dag', 'add', file]);
  expect(added.code, added.stderr).toBe(0);
  const created = await c.json(['workflow', 'create', name, '-s', 'defined', '-f', 'sticky']);
  return created.workflow.id;
}

const watch = (id: number) =>
  c.cli(['workflow', 'watch', String(id), '--interval', '0.3'], { timeoutMs: 120_000 });
const logLines = (log: string) => readFileSync(log, 'utf8').trim().split('\n');
const at = (lines: string[], line: string) => {
  const i = lines.indexOf(line);
  expect(i, `"${line}" in ${JSON.stringify(lines)}`).toBeGreaterThanOrEqual(0);
  return i;
};

describe('workflows of our own graphs, end to end', () => {
  it('holds the join of a diamond until both parents finished', async () => {
    const log = join(c.dataDir, 'diamond.log');
    writeFileSync(log, '');
    const id = await startWorkflow(
      'diamond',
      [step('a', log), step('slow', log, 1.5), step('fast', log, 0.1), step('join', log)],
      [edge('a', 'slow'), edge('a', 'fast'), edge('slow', 'join'), edge('fast', 'join')],
    );
    const watched = await watch(id);
    expect(watched.code, watched.stderr).toBe(0);
    const lines = logLines(log);
    expect(lines).toHaveLength(8);
    expect(at(lines, 'start join')).toBeGreaterThan(at(lines, 'end slow'));
    expect(at(lines, 'start join')).toBeGreaterThan(at(lines, 'end fast'));
    expect(at(lines, 'start slow')).toBeGreaterThan(at(lines, 'end a'));
  }, 150_000);

  it('fails on a failing middle job, cancels what depends on it, and finishes after the fix and a retry', async () => {
    const log = join(c.dataDir, 'middle.log');
    writeFileSync(log, '');
    const script = join(c.dataDir, 'middle.sh');
    writeFileSync(script, '#!/bin/sh\necho "middle is broken" >&2\nexit 3\n', { mode: 0o755 });
    const middle: TestVertex = { id: 'middle', payload: script, jobtype: 'step', timelimit: 60 };
    const id = await startWorkflow(
      'failing',
      [step('first', log), middle, step('last', log), step('side', log)],
      [edge('first', 'middle'), edge('middle', 'last'), edge('first', 'side')],
    );
    const failed = await watch(id);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain(`workflow ${id} failed`);
    const shown = await c.json(['workflow', 'show', String(id)]);
    const state = (name: string) => shown.jobs.find((j: { name: string }) => j.name === name);
    expect(state('middle')).toMatchObject({ state: 'failed', exitCode: 3, errorName: 'exit_code' });
    expect(state('last')).toMatchObject({ state: 'cancelled', errorName: 'ancestor_ended' });
    expect(state('side').state).toBe('finished');
    expect(logLines(log)).not.toContain('start last');

    // Fix the payload, then retry the workflow: the middle job runs again and the rest follows.
    writeFileSync(script, `#!/bin/sh\necho "start middle" >> "${log}"\n`, { mode: 0o755 });
    const retried = await c.cli(['workflow', 'retry', String(id)]);
    expect(retried.code, retried.stderr).toBe(0);
    const finished = await watch(id);
    expect(finished.code, finished.stderr).toBe(0);
    const lines = logLines(log);
    expect(at(lines, 'start last')).toBeGreaterThan(at(lines, 'start middle'));
    const middleJob = await c.json(['job', 'show', String(state('middle').id)]);
    expect(middleJob.attempts.map((a: { attempt: number; state: string }) => [a.attempt, a.state])).toEqual([
      [1, 'failed'],
      [2, 'finished'],
    ]);
  }, 150_000);

  it('completes a noop in the middle without a pilot and runs what follows it', async () => {
    const log = join(c.dataDir, 'noop.log');
    writeFileSync(log, '');
    const id = await startWorkflow(
      'noopmiddle',
      [step('before', log), { id: 'gate', jobtype: 'noop' }, step('after', log)],
      [edge('before', 'gate'), edge('gate', 'after')],
    );
    expect((await watch(id)).code).toBe(0);
    expect(logLines(log)).toEqual(['start before', 'end before', 'start after', 'end after']);
    const shown = await c.json(['workflow', 'show', String(id)]);
    const gate = shown.jobs.find((j: { name: string }) => j.name === 'gate');
    expect(gate).toMatchObject({ state: 'finished', pilotId: null });
  }, 150_000);

  it('starts both sources of a two-source DAG and joins them', async () => {
    const log = join(c.dataDir, 'sources.log');
    writeFileSync(log, '');
    const id = await startWorkflow(
      'twosources',
      [step('left', log, 0.5), step('right', log, 0.5), step('merge', log)],
      [edge('left', 'merge'), edge('right', 'merge')],
    );
    expect((await watch(id)).code).toBe(0);
    const lines = logLines(log);
    expect(at(lines, 'start merge')).toBeGreaterThan(at(lines, 'end left'));
    expect(at(lines, 'start merge')).toBeGreaterThan(at(lines, 'end right'));
    const list = await c.json(['workflow', 'list', '--dag', 'twosources']);
    expect(list.workflows[0]).toMatchObject({ id, state: 'finished', counts: { finished: 3 } });
  }, 150_000);
});
