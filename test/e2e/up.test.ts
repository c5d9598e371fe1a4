// The quickstart: `p3s up` runs a server and 4 pilots on SQLite, a job submitted with
// --wait finishes, and Ctrl-C (SIGINT) shuts everything down cleanly. Plus background
// pilots: `pilots start/list/stop` only ever signal the processes they started.

import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { type Cluster, makeCluster } from '../helpers/cluster.ts';
import { alive, killAll, p3s, removeDir, waitFor } from '../helpers/processes.ts';
import { upWithIdlePilots as startUp } from '../helpers/up.ts';

let dirs: string[] = [];
let c: Cluster | undefined;
afterEach(async () => {
  await c?.close();
  c = undefined;
  await killAll();
  for (const d of dirs) removeDir(d);
  dirs = [];
});

/** `p3s up` in a new home, once its 4 pilots are idle (its home is removed after the test). */
async function upWithIdlePilots() {
  const started = await startUp();
  dirs.push(started.home);
  return started;
}

describe('p3s up', () => {
  it('starts server and 4 pilots, runs a job, and stops cleanly on Ctrl-C', async () => {
    const { home, env, up } = await upWithIdlePilots();
    expect(up.output()).toMatch(/job submit/);

    // Client commands find the local server through the data directory, no P3S_SERVER needed.
    const file = join(home, 'hello.json');
    writeFileSync(file, JSON.stringify([{ name: 'hello', payload: '/bin/echo hello from p3s' }]));
    const submitted = await p3s(['job', 'submit', file, '--wait'], env);
    expect(submitted.code, submitted.stderr).toBe(0);
    const list = JSON.parse((await p3s(['job', 'list', '--json'], env)).stdout);
    const logs = await p3s(['job', 'logs', String(list.jobs[0].id)], env);
    expect(logs.stdout).toBe('hello from p3s\n');
    expect(readdirSync(home)).toContain('p3s.db');

    const pilotPids: number[] = JSON.parse((await p3s(['pilots', 'list', '--json'], env)).stdout).pilots.map(
      (p: { pid: number }) => p.pid,
    );
    expect(pilotPids).toHaveLength(4);
    expect(pilotPids.every(alive)).toBe(true);
    // They were started here: `pilots list` says so in its HERE column.
    const table = (await p3s(['pilots', 'list'], env)).stdout.trimEnd().split('\n');
    expect(table[0]).toMatch(/HERE$/);
    expect(table.slice(1).map((line) => line.split(/\s+/).at(-1))).toEqual(['yes', 'yes', 'yes', 'yes']);

    up.signal('SIGINT');
    expect(await up.exited).toBe(0);
    for (const pid of pilotPids) expect(alive(pid)).toBe(false);
    expect(readdirSync(home)).not.toContain('server.json');
  });

  it('on a second signal exits at once (130), and its pilots still end within seconds', async () => {
    const { up, pilotPids } = await upWithIdlePilots();

    // A second signal right behind the first (two of one kind at once would merge into one).
    up.signal('SIGINT');
    up.signal('SIGTERM');
    expect(await up.exited).toBe(130);
    // The server went with up; pilots told to hurry try their deregistration once and end.
    await waitFor('the pilots end', () => pilotPids.every((pid) => !alive(pid)), 10_000);
  });

  it('still stops cleanly when its output pipe has closed (`p3s up 2>&1 | tee log`, tee gone first)', async () => {
    const { home, up, pilotPids } = await upWithIdlePilots();

    // The reader of both streams goes away: every later write of `up` fails with EPIPE.
    up.child.stdout?.destroy();
    up.child.stderr?.destroy();
    up.signal('SIGINT');
    expect(await up.exited).toBe(0);
    for (const pid of pilotPids) expect(alive(pid)).toBe(false);
    // The pilots deregistered before the server stopped: none is left running or idle.
    const db = new BetterSqlite3(join(home, 'p3s.db'), { readonly: true });
    const states = db.prepare('SELECT DISTINCT state FROM pilots').pluck().all();
    db.close();
    expect(states).toEqual(['stopped']);
    expect(readdirSync(home)).not.toContain('server.json');
  });
});

describe('background pilots', () => {
  it('starts N pilots, lists them with their server state, and stops only them', async () => {
    c = await makeCluster();
    // An unrelated process whose command line mentions "pilot" must survive `pilots stop --all`.
    const bystander = spawn('/bin/bash', ['-c', 'exec -a p3s-pilot-lookalike sleep 60'], { stdio: 'ignore' });
    await waitFor('bystander started', () => alive(bystander.pid as number));
    const started = await c.cli(['pilots', 'start', '-n', '3', '--json']);
    expect(started.code, started.stderr).toBe(0);
    await waitFor('3 pilots registered', async () => {
      const list = await c!.json(['pilots', 'list']);
      return list.pilots.filter((p: { state: string }) => p.state === 'idle').length === 3;
    });
    const records = readdirSync(join(c.dataDir, 'pilots'));
    expect(records).toHaveLength(3);
    const pids = records.map(
      (r) => JSON.parse(readFileSync(join(c!.dataDir, 'pilots', r), 'utf8')).pid as number,
    );
    expect(pids.every(alive)).toBe(true);

    const stopped = await c.cli(['pilots', 'stop', '--all']);
    expect(stopped.code, stopped.stderr).toBe(0);
    await waitFor('pilots exited', () => pids.every((pid) => !alive(pid)), 15_000);
    const list = await c.json(['pilots', 'list', '--all']);
    expect(list.pilots.filter((p: { state: string }) => p.state === 'stopped')).toHaveLength(3);
    expect(alive(bystander.pid as number)).toBe(true);
    bystander.kill('SIGKILL');
  });
});
