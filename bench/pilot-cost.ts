// `node --import tsx bench/pilot-cost.ts [ROOT...] [--rounds N] [--jobs N] [--warmup N] [--payload CMD]
//   [--profile DIR] [--perf DIR]`
// A pilot's CPU per job against the least a process must spend to run the same payloads (issue 22):
// one server (the first ROOT's, on SQLite; default ROOT: this checkout, built), then per round,
// in rotating order, one pilot of each ROOT and a bare spawner (lib/bare-spawner.mjs: spawn, read
// both pipes to the end, wait), each running `--jobs` payloads one after another. Each side's CPU
// (and minor page faults) come from its own /proc stat, counted from after `--warmup` payloads to
// the last job's end, so neither process's start nor its first compilations are in it. Prints the
// cost per job of each side, per ROOT the median of the rounds' ratios pilot/bare, and each further
// ROOT against the first: the host's speed drifts, so only the pairs compare. With --profile, each
// pilot writes a V8 CPU profile into DIR (bench/summarise-profile.mjs). With --perf, `perf record`
// samples each side's measured part, kernel and threads included, into DIR/<side>-<round>.data (the
// V8 profile counts wall time, so a fork or a blocked write looks dearer there than it is).

import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import type { P3sClient } from '../src/protocol/client.ts';
import { baseEnv, removeDir, tempDir, waitFor } from '../test/helpers/processes.ts';
import { startBuildServer } from './lib/build-server.ts';
import { cpuMs, minorFaults } from './lib/proc-cpu.ts';
import { median, round } from './lib/stats.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rounds: { type: 'string', default: '5' },
    jobs: { type: 'string', default: '400' },
    warmup: { type: 'string', default: '20' },
    payload: { type: 'string', default: '/bin/true' },
    profile: { type: 'string' },
    perf: { type: 'string' },
  },
});
const roots =
  positionals.length > 0 ? positionals.map((r) => resolve(r)) : [resolve(import.meta.dirname, '..')];
const jobs = Number(values.jobs);
const warmup = Number(values.warmup);
const payload = values.payload ?? '/bin/true';
const perfFlags = values.perf ? ['--perf-basic-prof', '--interpreted-frames-native-stack'] : [];

interface Cost {
  /** CPU ms per job. */
  ms: number;
  /** Minor page faults per job (after a fork, the first write to each page faults). */
  faults: number;
}

/** What `pid` spends from now until the returned function is called, per job. */
function meter(pid: number): () => Cost {
  const ms = cpuMs(pid);
  const faults = minorFaults(pid);
  return () => ({ ms: (cpuMs(pid) - ms) / jobs, faults: (minorFaults(pid) - faults) / jobs });
}

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

const batch = (n: number, prefix: string) =>
  Array.from({ length: n }, (_, i) => ({ name: `${prefix}-${i}`, payload }));

/** One pilot of `root`: warm-up jobs, then `jobs` payloads; its cost per job past the warm-up. */
async function pilotRound(client: P3sClient, root: string, round: number): Promise<Cost> {
  const dirs = ['--work-dir', join(dataDir, 'work'), '--joblog-dir', join(dataDir, 'joblogs')];
  const args = [join(root, 'bin', 'p3s.js'), 'pilot', '--cycles', '0', '--period', '1'];
  const profile = values.profile ? ['--cpu-prof', '--cpu-prof-dir', resolve(values.profile)] : [];
  const pilot = spawn(process.execPath, [...profile, ...perfFlags, ...args, '--log-level', 'warn', ...dirs], {
    env: baseEnv({ P3S_HOME: dataDir, P3S_SERVER: server.url }),
    stdio: 'ignore',
  });
  try {
    await client.submitJobs(batch(warmup, `warm-${round}`));
    await allEnded(client);
    const stopPerf = perfRecord(pilot.pid as number, `pilot-${round}`);
    const spent = meter(pilot.pid as number);
    await client.submitJobs(batch(jobs, `cost-${round}`));
    await allEnded(client);
    const cost = spent();
    await stopPerf();
    return cost;
  } finally {
    await stop(pilot);
  }
}

let bareRounds = 0;

/** The bare spawner: warm-up spawns, then `jobs` payloads; its cost per spawn past the warm-up. */
async function bareRound(): Promise<Cost> {
  const [file, ...args] = payload.split(' ');
  const spawner = join(import.meta.dirname, 'lib', 'bare-spawner.mjs');
  const child = spawn(process.execPath, [...perfFlags, spawner, file as string, ...args], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })[Symbol.asyncIterator]();
  const run = async (n: number) => {
    child.stdin?.write(`${n}\n`);
    const line = await lines.next();
    if (line.value !== 'done') throw new Error(`bare spawner: ${String(line.value)}`);
  };
  try {
    await run(warmup);
    const stopPerf = perfRecord(child.pid as number, `bare-${bareRounds++}`);
    const spent = meter(child.pid as number);
    await run(jobs);
    const cost = spent();
    await stopPerf();
    return cost;
  } finally {
    await stop(child);
  }
}

try {
  const sides = [...roots.map((root) => ({ name: root, root })), { name: 'bare', root: null }];
  const costs = new Map<string, Cost[]>(sides.map((s) => [s.name, []]));
  const of = (name: string) => costs.get(name) as Cost[];
  for (let i = 0; i < Number(values.rounds); i++) {
    // Rotate who goes first, so no side always runs in the same part of a round.
    const order = sides.map((_, k) => sides[(k + i) % sides.length] as (typeof sides)[number]);
    const line: string[] = [];
    for (const side of order) {
      const cost = side.root === null ? await bareRound() : await pilotRound(server.client, side.root, i);
      of(side.name).push(cost);
      line.push(`${side.name} ${round(cost.ms, 3)} ms ${Math.round(cost.faults)} faults`);
    }
    const bare = of('bare')[i] as Cost;
    const ratios = roots.map((r) => round((of(r)[i] as Cost).ms / bare.ms, 2));
    console.log(`round ${i}: ${line.join(', ')} per job; pilot/bare ${ratios.join(', ')}`);
  }
  const bare = of('bare');
  const summary = (c: Cost[]) =>
    `median ${round(median(c.map((x) => x.ms)), 3)} ms, ${Math.round(median(c.map((x) => x.faults)))} minor faults per job`;
  console.log(`bare spawn: ${summary(bare)}`);
  for (const root of roots) {
    const pilot = of(root);
    const ratio = median(pilot.map((c, i) => c.ms / (bare[i] as Cost).ms));
    console.log(
      `${root}: ${summary(pilot)}; pilot/bare ${round(ratio, 2)} (median of ${pilot.length} rounds)`,
    );
  }
  const first = of(roots[0] as string);
  for (const root of roots.slice(1)) {
    const ratio = median(of(root).map((c, i) => c.ms / (first[i] as Cost).ms));
    console.log(`${root} / ${roots[0]}: ${round(ratio, 2)} (median of the rounds' ratios)`);
  }
} finally {
  await server.kill();
  removeDir(dataDir);
}
