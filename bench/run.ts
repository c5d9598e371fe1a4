// `npm run bench [-- --quick] [--store sqlite|postgres|both] [--only a,b] [--reps N]`
// (`--only slurm`: the factory's pilots against sbatch, where a Slurm answers; `--only cli,peers`:
// the CLI's start-up, and p3s through its CLI beside xargs, GNU parallel and Slurm; --reps sets
// their rounds too)
// Runs the benchmark scenarios, prints each figure next to its baseline or peer measured in
// the same run (as a ratio, medians of repetitions), checks the targets, and writes
// bench/results/latest.json with the machine, store, versions and parameters.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { describeEnvironment } from './lib/environment.ts';
import type { StoreKind } from './lib/installation.ts';
import { median, pairedRatio, round } from './lib/stats.ts';
import { cliStart } from './scenarios/cli-start.ts';
import { dispatchLatency } from './scenarios/dispatch-latency.ts';
import { dispatcherThroughput, graphileThroughput, PILOT_PATHS } from './scenarios/dispatcher.ts';
import { growth } from './scenarios/growth.ts';
import { heartbeatLoad } from './scenarios/heartbeats.ts';
import { pilotMemory } from './scenarios/memory.ts';
import { monitorPages } from './scenarios/monitor.ts';
import { peers } from './scenarios/peers.ts';
import { slurmAnswers, slurmPilots } from './scenarios/slurm-pilots.ts';
import { throughput } from './scenarios/throughput.ts';
import { type Check, checkTargets } from './targets.ts';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    store: { type: 'string' },
    only: { type: 'string' },
    reps: { type: 'string' },
  },
});

const quick = values.quick ?? false;
const params = quick
  ? {
      latencyJobs: 20,
      throughputJobs: 300,
      pilots: 8,
      dispatcherJobs: 2000,
      concurrencies: [16],
      depths: [1_000, 10_000],
      growthClaims: 1000,
      running: 500,
      beatSeconds: 3,
      senders: 32,
      floodBytes: 10_000_000,
      monitorJobs: 100_000,
      monitorReps: 5,
      slurmJobs: 50,
      cliRounds: 5,
      peersTrue: 60,
      peersSleep: 8,
      peersRounds: 2,
      reps: 1,
    }
  : {
      latencyJobs: 100,
      throughputJobs: 2000,
      pilots: 8,
      dispatcherJobs: 10_000,
      concurrencies: [16, 64],
      depths: [1_000, 100_000, 1_000_000],
      growthClaims: 10_000,
      running: 5000,
      beatSeconds: 10,
      senders: 64,
      floodBytes: 100_000_000,
      monitorJobs: 1_000_000,
      monitorReps: 15,
      slurmJobs: 200,
      cliRounds: 20,
      peersTrue: 300,
      peersSleep: 40,
      peersRounds: 5,
      reps: 3,
    };
if (values.reps) {
  params.reps = Number(values.reps);
  params.cliRounds = Math.max(params.cliRounds, params.reps);
  params.peersRounds = params.reps;
}
const stores: StoreKind[] =
  values.store === 'both' || (!values.store && !quick)
    ? ['sqlite', 'postgres']
    : [(values.store ?? 'sqlite') as StoreKind];
const only = values.only?.split(',');
const wanted = (name: string) => !only || only.includes(name);

/** Runs `fn` `reps` times and keeps the run whose `key` is the median. */
async function medianOf<T extends Record<string, unknown>>(
  reps: number,
  key: keyof T,
  fn: () => Promise<T>,
): Promise<T & { reps: number; samples: number[] }> {
  const runs: T[] = [];
  for (let i = 0; i < reps; i++) runs.push(await fn());
  return medianRun(runs, key);
}

/** The run whose `key` is the median of the runs', with every run's value as `samples`. */
function medianRun<T extends Record<string, unknown>>(
  runs: T[],
  key: keyof T,
): T & { reps: number; samples: number[] } {
  const samples = runs.map((r) => r[key] as number);
  const mid = median(samples);
  const chosen = runs.find((r) => r[key] === mid) as T;
  return { ...chosen, reps: runs.length, samples };
}

/**
 * p3s and graphile-worker in pairs, back to back, the first of each pair alternating: the host's
 * speed drifts over minutes (graphile-worker alone spanned 0.9–3.8k jobs/s across runs), and a
 * block of p3s runs followed by a block of peer runs measured that drift as much as either side.
 */
async function pairedWithGraphile<T extends Record<string, unknown> & { jobsPerSecond: number }>(
  reps: number,
  ours: () => Promise<T>,
  peer: () => Promise<number>,
) {
  const runs: T[] = [];
  const peers: number[] = [];
  for (let i = 0; i < reps; i++) {
    if (i % 2 === 0) {
      runs.push(await ours());
      peers.push(await peer());
    } else {
      peers.push(await peer());
      runs.push(await ours());
    }
  }
  const chosen = medianRun(runs, 'jobsPerSecond');
  return {
    ...chosen,
    graphileJobsPerSecond: median(peers),
    graphileSamples: peers,
    ratioToGraphile: pairedRatio(chosen.samples, peers),
  };
}

const results: Record<string, unknown[]> = {};
const log = (name: string, row: Record<string, unknown>) => {
  results[name] = [...(results[name] ?? []), row];
  const shown = Object.fromEntries(
    Object.entries(row).map(([k, v]) => [k, typeof v === 'number' ? round(v) : v]),
  );
  console.log(`${name.padEnd(18)} ${JSON.stringify(shown)}`);
};

const started = Date.now();
for (const store of stores) {
  if (wanted('latency')) log('latency', await dispatchLatency(store, params.latencyJobs));
  if (wanted('throughput')) {
    log(
      'throughput',
      await medianOf(params.reps, 'jobsPerSecond', () =>
        throughput(store, params.throughputJobs, params.pilots),
      ),
    );
  }
  if (wanted('dispatcher')) {
    for (const c of params.concurrencies) {
      for (const via of PILOT_PATHS) {
        const ours = () => dispatcherThroughput(store, params.dispatcherJobs, c, via);
        log(
          'dispatcher',
          store === 'postgres'
            ? await pairedWithGraphile(params.reps, ours, () => graphileThroughput(params.dispatcherJobs, c))
            : await medianOf(params.reps, 'jobsPerSecond', ours),
        );
      }
    }
  }
  if (wanted('growth')) {
    for (const depth of params.depths) log('growth', await growth(store, depth, params.growthClaims, 16));
  }
  if (wanted('heartbeats'))
    log('heartbeats', await heartbeatLoad(store, params.running, params.beatSeconds, params.senders));
  if (wanted('memory')) log('memory', await pilotMemory(store, params.floodBytes));
  if (wanted('monitor')) log('monitor', await monitorPages(store, params.monitorJobs, params.monitorReps));
  if (wanted('cli')) log('cli', await cliStart(store, params.cliRounds));
  if (wanted('peers')) {
    const sizes = { trueJobs: params.peersTrue, sleepJobs: params.peersSleep, rounds: params.peersRounds };
    log('peers', await peers(store, sizes, 'singles'));
    log('peers', await peers(store, sizes, 'slots'));
  }
}

// Not per store: the factory's pilots against sbatch on the same Slurm node (SQLite server).
if (wanted('slurm')) {
  if (slurmAnswers()) log('slurm', await slurmPilots(params.slurmJobs, params.reps));
  else
    console.log(
      'slurm              skipped: no Slurm answers sinfo (.ci/slurm.sh start, then export SLURM_CONF)',
    );
}

const checks: Check[] = checkTargets(results);
console.log('\ntargets:');
for (const c of checks)
  console.log(`  ${c.ok === null ? 'info' : c.ok ? 'met ' : 'MISS'}  ${c.target}: ${c.actual}`);

const report = {
  when: new Date().toISOString(),
  seconds: Math.round((Date.now() - started) / 1000),
  mode: quick ? 'quick' : 'full',
  stores,
  parameters: {
    ...params,
    // How the dispatcher, growth and heartbeat scenarios drive the server.
    simulatedPilots:
      "bench/lib/light-client.ts: node:http keep-alive; each finish claims the next job (fetch-next). The dispatcher scenario also runs them in-process (bench/lib/in-process-pilots.ts: the routes' store calls, no HTTP)",
  },
  environment: describeEnvironment(),
  results,
  targets: checks,
};
const dir = join(import.meta.dirname, 'results');
mkdirSync(dir, { recursive: true });
// Only a full run of every scenario on both stores replaces latest.json, the figures the docs quote.
const narrowed =
  values.only !== undefined || values.reps !== undefined || (values.store ?? 'both') !== 'both';
const file = quick ? 'quick.json' : narrowed ? 'partial.json' : 'latest.json';
writeFileSync(join(dir, file), `${JSON.stringify(report, null, 2)}\n`);
console.log(`\nwritten to bench/results/${file} in ${report.seconds} s`);
