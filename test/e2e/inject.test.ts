// The injector end to end: `p3s inject` watching a directory creates one workflow per new file
// (waiting for a file still being written), exactly once across a restart; P3S's unchanged 3filters
// DAG runs with its outputs sent to a directory of our choice; and with --job it submits the job
// list with P3S_INPUT_FILE set to each file. Outputs are read once the jobs that write them have
// finished (a payload's `> file` creates the file before it writes to it).

import { appendFileSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, makeCluster } from '../helpers/cluster.ts';
import { graphml } from '../helpers/graphml.ts';
import { type Proc, startP3s, waitFor } from '../helpers/processes.ts';

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

const lines = (n: number) => Array.from({ length: n }, (_, i) => `line ${i}\n`).join('');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `count` workflows of `dag` exist and all have finished. */
async function workflowsFinished(dag: string, count: number): Promise<void> {
  await waitFor(
    `${count} ${dag} workflows finished`,
    async () => {
      const { workflows } = await c.json(['workflow', 'list', '--dag', dag]);
      const states = workflows.map((w: { state: string }) => w.state);
      if (states.some((s: string) => s === 'failed' || s === 'cancelled'))
        throw new Error(`a ${dag} workflow did not finish: ${JSON.stringify(workflows)}`);
      return workflows.length === count && states.every((s: string) => s === 'finished');
    },
    60_000,
  );
}

/** Waits until `count` jobs named `name` exist and all have finished. */
async function jobsFinished(name: string, count: number): Promise<void> {
  await waitFor(
    `${count} ${name} jobs finished`,
    async () => {
      const { jobs } = await c.json(['job', 'list', '--name', name]);
      return jobs.length === count && jobs.every((j: { state: string }) => j.state === 'finished');
    },
    60_000,
  );
}

describe('p3s inject', () => {
  it('starts one workflow per new file, after it stopped growing, exactly once across a restart', async () => {
    // IN (external input, a noop) → count: counts the lines of the injected file.
    const dagFile = join(c.dataDir, 'counter.graphml');
    writeFileSync(
      dagFile,
      graphml(
        [
          { id: 'IN', jobtype: 'noop' },
          {
            id: 'count',
            payload: 'wc -l < "$INFILE" > "$INFILE.count"',
            env: { P3S_EXECMODE: 'SHELL' },
            jobtype: 'count',
          },
        ],
        [{ source: 'IN', target: 'count', name: 'placeholder.txt', datatag: 'INFILE' }],
      ),
    );
    expect((await c.cli(['dag', 'add', dagFile])).code).toBe(0);
    const dir = join(c.dataDir, 'incoming');
    mkdirSync(dir);
    writeFileSync(join(dir, 'a.txt'), lines(3));
    writeFileSync(join(dir, 'b.txt'), lines(2));
    writeFileSync(join(dir, 'ignored.dat'), lines(1));
    writeFileSync(join(dir, 'growing.txt'), lines(1));

    const args = [
      'inject',
      dir,
      '--dag',
      'counter',
      '--pattern',
      '*.txt',
      '--stable-seconds',
      '3',
      '--interval',
      '0.2',
    ];
    const injector = startP3s(args, c.env);
    // growing.txt is still being written: a line every 200 ms for ~2 s, each well within the stable time.
    for (let i = 1; i < 10; i++) {
      await sleep(200);
      appendFileSync(join(dir, 'growing.txt'), `line ${i}\n`);
    }
    await workflowsFinished('counter', 3);
    expect(safeRead(join(dir, 'a.txt.count'))?.trim()).toBe('3');
    expect(safeRead(join(dir, 'b.txt.count'))?.trim()).toBe('2');
    // Injected only once complete: its workflow saw all 10 lines.
    expect(safeRead(join(dir, 'growing.txt.count'))?.trim()).toBe('10');
    injector.signal('SIGTERM');
    expect(await injector.exited).toBe(0);
    const log = injector.output();
    expect(log).toContain('growing.txt: waiting until it stops changing');
    expect(log).toMatch(/a\.txt: workflow \d+/);
    expect(log).not.toContain('ignored.dat');

    // Restarted (now with --once): only the new file is injected.
    writeFileSync(join(dir, 'c.txt'), lines(4));
    const again = await c.cli([...args, '--once'], { timeoutMs: 60_000 });
    expect(again.code, again.stderr + again.stdout).toBe(0);
    expect(again.stdout).toMatch(/c\.txt: workflow \d+/);
    expect(again.stdout).not.toMatch(/(a|b|growing)\.txt: workflow/);
    const workflows = await c.json(['workflow', 'list', '--dag', 'counter']);
    expect(workflows.workflows.map((w: { name: string }) => w.name).sort()).toEqual([
      'counter-a.txt',
      'counter-b.txt',
      'counter-c.txt',
      'counter-growing.txt',
    ]);
    const files = await c.json(['dataset', 'list', '--name', 'growing.txt']);
    expect(files.datasets).toMatchObject([{ dirpath: dir, path: join(dir, 'growing.txt'), source: 'IN' }]);
    await workflowsFinished('counter', 4);
    expect(safeRead(join(dir, 'c.txt.count'))?.trim()).toBe('4');
  }, 150_000);

  it("runs P3S's unchanged 3filters DAG per file, its outputs in --output-dir, not the DAG's /afs dirpath", async () => {
    const p3sDir = join(import.meta.dirname, '..', 'fixtures', 'p3s');
    expect((await c.cli(['datatype', 'add', join(p3sDir, 'data', 'txtDataType.json')])).code).toBe(0);
    const added = await c.cli(['dag', 'add', join(p3sDir, '3filters', '3filters.graphml')]);
    expect(added.code, added.stderr).toBe(0);
    const dir = join(c.dataDir, 'runs');
    const outputs = join(c.dataDir, 'filtered');
    mkdirSync(dir);
    mkdirSync(outputs);
    copyFileSync(join(p3sDir, '3filters', 'input.txt'), join(dir, 'run1.txt'));
    // grep -c exits 1 when it counts 0, which fails the job: every pattern occurs.
    writeFileSync(join(dir, 'run2.txt'), 'TEST3\nTEST1\nTEST2\nTEST3\n');
    const fileinfo = JSON.stringify({ 'filter1:NOOP2': { comment: 'TEST1 count' } });
    const common = ['inject', dir, '--dag', '3filters', '--stable-seconds', '0', '--once'];

    // Without --output-dir the injector warns that the DAG's directory does not exist here.
    const dry = await c.cli([...common, '--pattern', 'none-*']);
    expect(dry.stdout).toContain('/afs/cern.ch/user/m/mxp/, which does not exist here; -o DIR');

    const res = await c.cli([...common, '--output-dir', outputs, '--fileinfo', fileinfo]);
    expect(res.code, res.stderr + res.stdout).toBe(0);
    expect(res.stdout).toMatch(/run1\.txt: workflow \d+/);
    expect(res.stdout).not.toContain('does not exist here');
    await workflowsFinished('3filters', 2);

    // Each workflow's three filters counted their pattern into files of their own in `outputs`.
    for (const [run, counts] of [
      ['run1.txt', ['1', '2', '3']],
      ['run2.txt', ['1', '1', '2']],
    ] as const) {
      const { workflows } = await c.json(['workflow', 'list', '--dag', '3filters']);
      const wf = workflows.find((w: { name: string }) => w.name === `3filters-${run}`);
      const { files } = await c.json(['workflow', 'show', String(wf.id)]);
      const byEdge = (source: string) =>
        files.find((f: { source: string; target: string }) => f.source === source && f.target === 'NOOP2');
      expect(
        files.filter((f: { source: string }) => f.source === 'NOOP1').map((f: { path: string }) => f.path),
      ).toEqual([join(dir, run), join(dir, run), join(dir, run)]);
      expect(byEdge('filter1').comment).toBe('TEST1 count');
      for (const [i, filter] of ['filter1', 'filter2', 'filter3'].entries()) {
        const out = byEdge(filter);
        expect(out.dirpath).toBe(outputs);
        expect(readFileSync(out.path, 'utf8').trim(), `${run} ${filter}`).toBe(counts[i]);
      }
    }
  }, 150_000);

  it('with --job, submits the job list once per file with P3S_INPUT_FILE set to it', async () => {
    const dir = join(c.dataDir, 'raw');
    mkdirSync(dir);
    writeFileSync(join(dir, 'run1.root'), lines(5));
    writeFileSync(join(dir, 'run2.root'), lines(7));
    const template = join(c.dataDir, 'count-job.json');
    writeFileSync(
      template,
      JSON.stringify([
        {
          name: 'rawcount',
          payload: 'wc -l < "$P3S_INPUT_FILE" > "$P3S_INPUT_FILE.lines"',
          env: { P3S_EXECMODE: 'SHELL', P3S_INPUT_FILE: 'dummy_to_be_replaced' },
          timeout: '100',
        },
      ]),
    );
    const args = ['inject', dir, '--job', template, '--pattern', '*.root', '--stable-seconds', '0', '--once'];
    const first = await c.cli(args);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/run1\.root: submitted job \d+/);
    await jobsFinished('rawcount', 2);
    expect(safeRead(join(dir, 'run1.root.lines'))?.trim()).toBe('5');
    expect(safeRead(join(dir, 'run2.root.lines'))?.trim()).toBe('7');
    const second = await c.cli(args);
    expect(second.stdout).not.toContain('submitted');
    expect((await c.json(['job', 'list', '--name', 'rawcount'])).total).toBe(2);
  }, 150_000);
});

function safeRead(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
