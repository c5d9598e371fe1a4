// `node --import tsx bench/pilot-cost.ts [ROOT...] [--rounds N] [--jobs N] [--payload CMD] [--profile DIR] [--perf DIR]`
// A pilot's CPU per job against the least a process must spend to run the same payloads (issue 22):
// one server (the first ROOT's, on SQLite; default ROOT: this checkout, built), then per round,
// in alternating order, one pilot of each ROOT and a bare spawner (lib/bare-spawner.mjs: spawn,
// read both pipes to the end, wait), each running `--jobs` payloads one after another. Each side's
// CPU comes from its own /proc stat, counted from after a warm-up job to the last job's end, so
// neither process's start is in it. Prints ms/job per side, and per ROOT the median of the rounds'
// ratios pilot/bare: the host's speed drifts, so only the pairs compare. With --profile, each pilot
// writes a V8 CPU profile into DIR (summarise with bench/summarise-profile.mjs). With --perf, `perf
// record` samples each side's measured part, kernel included, into DIR/<side>-<round>.data (the V8
// profile counts wall time, so a fork or a blocked write looks dearer there than it is).

import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import type { P3sClient } from '../src/protocol/client.ts';
import { baseEnv, removeDir, tempDir, waitFor } from '../test/helpers/processes.ts';
import { startBuildServer } from './lib/build-server.ts';
import { cpuMs } from './lib/proc-cpu.ts';
import { median, round } from './lib/stats.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rounds: { type: 'string', default: '5' },
    jobs: { type: 'string', default: '400' },
    payload: { type: 'string', default: '/bin/true' },
    profile: { type: 'string' },
    perf: { type: 'string' },
  },
});
const roots =
  positionals.length > 0 ? positionals.map((r) => resolve(r)) : [resolve(import.meta.dirname, '..')];
const jobs = Number(values.jobs);
const payload = values.payload ?? '/bin/true';

/** Samples `pid` with perf until the returned function is called (nothing without --perf). */
function perfRecord(pid: number, name: string): () => Promise<void> {
  if (!values.perf) return async () => {};
  const out = join(resolve(values.perf), `${name}.data`);
  const perf = spawn('perf', ['record', '-q', '-F', '997', '-g', '-p', String(pid), '-o', out], {
    stdio: 'ignore',
  });
  return async () => {
    const exited = once(perf, 'exit');
    perf.kill('SIGINT');
    await exited;
  };
}

const dataDir = tempDir('p3s-pilot-cost-');
const server = await startBuildServer(roots[0] as string, dataDir).catch((error: unknown) => {
  removeDir(dataDir);
  throw error;
});

async function allEnded(client: P3sClient): Promise<void> {
  await waitFor(
    'every job ended',
    async () => {
      const byState = (await client.summary()).jobs;
      return (byState.defined ?? 0) + (byState.dispatched ?? 0) + (byState.running ?? 0) === 0;
    },
    600_000,
    20,
  );
}

async function stop(child: ChildProcess): Promise<void> {
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
}

/** One pilot of `root`: a warm-up job, then `jobs` payloads; its CPU ms per job past the warm-up. */
async function pilotRound(client: P3sClient, root: string, round: number): Promise<number> {
  const dirs = ['--work-dir', join(dataDir, 'work'), '--joblog-dir', join(dataDir, 'joblogs')];
  const args = [
    join(root, 'bin', 'p3s.js'),
    'pilot',
    '--cycles',
    '0',
    '--period',
    '1',
    '--log-level',
    'warn',
  ];
  const profile = values.profile ? ['--cpu-prof', '--cpu-prof-dir', resolve(values.profile)] : [];
  if (values.perf) profile.push('--perf-basic-prof');
  const pilot = spawn(process.execPath, [...profile, ...args, ...dirs], {
    env: baseEnv({ P3S_HOME: dataDir, P3S_SERVER: server.url }),
    stdio: 'ignore',
  });
  try {
    await client.submitJobs([{ name: `warm-${round}`, payload }]);
    await allEnded(client);
    const stopPerf = perfRecord(pilot.pid as number, `pilot-${round}`);
    const before = cpuMs(pilot.pid as number);
    await client.submitJobs(
      Array.from({ length: jobs }, (_, i) => ({ name: `cost-${round}-${i}`, payload })),
    );
    await allEnded(client);
    const perJob = (cpuMs(pilot.pid as number) - before) / jobs;
    await stopPerf();
    return perJob;
  } finally {
    await stop(pilot);
  }
}

let bareRounds = 0;

/** The bare spawner: a warm-up spawn, then `jobs` payloads; its CPU ms per spawn past the warm-up. */
async function bareRound(): Promise<number> {
  const [file, ...args] = payload.split(' ');
  const perfMap = values.perf ? ['--perf-basic-prof'] : [];
  const spawner = join(import.meta.dirname, 'lib', 'bare-spawner.mjs');
  const child = spawn(process.execPath, [...perfMap, spawner, file as string, ...args], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })[Symbol.asyncIterator]();
  const run = async (n: number) => {
    child.stdin?.write(`${n}\n`);
    const line = await lines.next();
    if (line.value !== 'done') throw new Error(`bare spawner: ${String(line.value)}`);
  };
  try {
    await run(1);
    const stopPerf = perfRecord(child.pid as number, `bare-${bareRounds++}`);
    const before = cpuMs(child.pid as number);
    await run(jobs);
    const perSpawn = (cpuMs(child.pid as number) - before) / jobs;
    await stopPerf();
    return perSpawn;
  } finally {
    await stop(child);
  }
}

try {
  const sides = [...roots.map((root) => ({ name: root, root })), { name: 'bare', root: null }];
  const ms = new Map<string, number[]>(sides.map((s) => [s.name, []]));
  for (let i = 0; i < Number(values.rounds); i++) {
    // Rotate who goes first, so no side always runs in the same part of a round.
    const order = sides.map((_, k) => sides[(k + i) % sides.length] as (typeof sides)[number]);
    const line: string[] = [];
    for (const side of order) {
      const value = side.root === null ? await bareRound() : await pilotRound(server.client, side.root, i);
      ms.get(side.name)?.push(value);
      line.push(`${side.root === null ? 'bare' : side.name} ${round(value, 3)}`);
    }
    const bare = ms.get('bare') as number[];
    const ratios = roots.map((r) => round(((ms.get(r) as number[])[i] as number) / (bare[i] as number), 2));
    console.log(`round ${i}: ${line.join(', ')} ms/job; pilot/bare ${ratios.join(', ')}`);
  }
  const bare = ms.get('bare') as number[];
  console.log(`bare spawn: median ${round(median(bare), 3)} ms/spawn`);
  for (const root of roots) {
    const pilot = ms.get(root) as number[];
    const ratio = median(pilot.map((v, i) => v / (bare[i] as number)));
    console.log(
      `${root}: median ${round(median(pilot), 3)} ms/job; pilot/bare ${round(ratio, 2)} (median of ${pilot.length} rounds' ratios)`,
    );
  }
} finally {
  await server.kill();
  removeDir(dataDir);
}
