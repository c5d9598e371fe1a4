// Scenario: p3s as a user runs it — `p3s job submit FILE -N n --wait` from a shell, p3s on PATH —
// beside what the same user would otherwise run on the same machine with the same 4 slots (p3s's
// as 4 single pilots, or as one pilot with --slots 4):
// `xargs -P4`, GNU `parallel -j4`, and Slurm (sbatch --array --wait) where `sinfo` answers.
// Workloads: n × /bin/true (wall), n × `sleep 1` (wall), and one job on an idle system from the
// submit command's start to the payload's first instruction. Rounds interleave every system (the
// order rotating), so the host's drift hits all; each figure is a median over rounds, and each ratio
// the median of the per-round ratios.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeInstallation, type StoreKind } from '../lib/installation.ts';
import { median, pairedRatio, preciseNow } from '../lib/stats.ts';
import { slurmAnswers } from './slurm-pilots.ts';

const SLOTS = 4;
const ROOT = join(import.meta.dirname, '..', '..');
const STAMP_SCRIPT = join(ROOT, 'bench', 'payloads', 'stamp.sh');

/** A system under comparison: the shell line that runs `count` copies of `command` to their end. */
interface Peer {
  name: string;
  batch(command: string, count: number): string;
  /** The shell line that starts one payload with STAMP=stamp in its env, and returns. */
  one(command: string, stamp: string): string;
  /** The same, returning once the payload has ended (what a user waits on). */
  oneWaited(command: string, stamp: string): string;
}

const q = (text: string) => `'${text.replaceAll("'", "'\\''")}'`;

const XARGS: Peer = {
  name: 'xargs',
  batch: (command, count) => `seq ${count} | xargs -P${SLOTS} -I{} sh -c ${q(command)}`,
  one: (command, stamp) => `echo 1 | STAMP=${q(stamp)} xargs -P${SLOTS} -I{} sh -c ${q(command)}`,
  oneWaited: (command, stamp) => XARGS.one(command, stamp),
};

const PARALLEL: Peer = {
  name: 'parallel',
  batch: (command, count) => `seq ${count} | parallel --will-cite -j${SLOTS} -N0 ${q(command)}`,
  one: (command, stamp) => `echo 1 | STAMP=${q(stamp)} parallel --will-cite -j${SLOTS} -N0 ${q(command)}`,
  oneWaited: (command, stamp) => PARALLEL.one(command, stamp),
};

const SLURM: Peer = {
  name: 'slurm',
  batch: (command, count) =>
    `sbatch --quiet --wait --array=1-${count}%${SLOTS} --cpus-per-task=1 --output=/dev/null --wrap ${q(command)}`,
  one: (command, stamp) =>
    `STAMP=${q(stamp)} sbatch --quiet --cpus-per-task=1 --output=/dev/null --wrap ${q(command)}`,
  oneWaited: (command, stamp) =>
    `STAMP=${q(stamp)} sbatch --quiet --wait --cpus-per-task=1 --output=/dev/null --wrap ${q(command)}`,
};

/** p3s through its CLI: a one-job file, copied -N times, as a user would write it. */
function p3sPeer(dir: string): Peer {
  let files = 0;
  const jobFile = (command: string, env: Record<string, string> = {}) => {
    const file = join(dir, `job-${files++}.json`);
    writeFileSync(file, JSON.stringify([{ name: 'peers', payload: command, env }]));
    return file;
  };
  return {
    name: 'p3s',
    batch: (command, count) => `p3s job submit ${jobFile(command)} -N ${count} --wait >/dev/null`,
    one: (command, stamp) => `p3s job submit ${jobFile(command, { STAMP: stamp })} >/dev/null`,
    oneWaited: (command, stamp) => `p3s job submit ${jobFile(command, { STAMP: stamp })} --wait >/dev/null`,
  };
}

function runShell(line: string, env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', line], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${line}: exit ${code}: ${stderr.trim()}`)),
    );
  });
}

async function wallSeconds(line: string, env: NodeJS.ProcessEnv): Promise<number> {
  const t0 = preciseNow();
  await runShell(line, env);
  return (preciseNow() - t0) / 1000;
}

/** Milliseconds from starting the submit line to the payload's stamp (epoch ns in STAMP). */
async function startLatencyMs(peer: Peer, dir: string, env: NodeJS.ProcessEnv, n: number): Promise<number> {
  const stamp = join(dir, `stamp-${peer.name}-${n}`);
  const line = peer.one(STAMP_SCRIPT, stamp);
  const t0 = preciseNow();
  await runShell(line, env);
  const deadline = Date.now() + 120_000;
  while (!existsSync(stamp) || readFileSync(stamp, 'utf8').trim() === '') {
    if (Date.now() > deadline) throw new Error(`${peer.name}: the payload never started`);
    await new Promise((r) => setTimeout(r, 1));
  }
  const started = Number(readFileSync(stamp, 'utf8').trim()) / 1e6;
  // Let it end (and p3s's pilot return to its long-poll) before the next measurement.
  await new Promise((r) => setTimeout(r, 500));
  return started - t0;
}

/** Milliseconds from the payload's last instruction (its stamp) to the waiting submit line's return. */
async function endToReturnMs(peer: Peer, dir: string, env: NodeJS.ProcessEnv, n: number): Promise<number> {
  const stamp = join(dir, `ended-${peer.name}-${n}`);
  await runShell(peer.oneWaited(STAMP_SCRIPT, stamp), env);
  const returned = preciseNow();
  const ended = Number(readFileSync(stamp, 'utf8').trim()) / 1e6;
  await new Promise((r) => setTimeout(r, 500));
  return returned - ended;
}

export interface PeersSizes {
  trueJobs: number;
  sleepJobs: number;
  rounds: number;
}

/** p3s's SLOTS slots: that many single-slot pilot processes, or one pilot with `--slots SLOTS`. */
export type PilotShape = 'singles' | 'slots';

export async function peers(kind: StoreKind, sizes: PeersSizes, shape: PilotShape = 'singles') {
  const inst = await makeInstallation(kind);
  try {
    const server = await inst.start();
    const pilotArgs = ['-c', '0', '-p', '60', '-b', '5'];
    if (shape === 'slots') inst.startPilots(1, [...pilotArgs, '--slots', String(SLOTS)]);
    else inst.startPilots(SLOTS, pilotArgs);
    // Each slot registers as a pilot of its own.
    await inst.waitForIdlePilots(SLOTS);
    // `p3s` on PATH, as after `npm link`: the bin itself, no npx.
    const binDir = join(inst.dataDir, 'bin');
    mkdirSync(binDir);
    symlinkSync(join(ROOT, 'bin', 'p3s.js'), join(binDir, 'p3s'));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PATH: `${binDir}:${process.env.PATH}`,
      P3S_HOME: inst.dataDir,
      P3S_SERVER: server.url,
    };
    // GNU parallel is Debian's `parallel` package (apt-get install parallel); Slurm: .ci/slurm.sh start.
    const found = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
    const missing = [...(found('parallel') ? [] : ['parallel']), ...(slurmAnswers() ? [] : ['slurm'])];
    if (missing.length > 0)
      console.log(`peers              without ${missing.join(', ')}: not installed or not answering`);
    const systems = [p3sPeer(inst.dataDir), XARGS, PARALLEL, SLURM].filter((p) => !missing.includes(p.name));
    const workloads = [
      { name: `${sizes.trueJobs}x/bin/true`, key: 'true', command: '/bin/true', count: sizes.trueJobs },
      { name: `${sizes.sleepJobs}x sleep 1`, key: 'sleep', command: 'sleep 1', count: sizes.sleepJobs },
    ];
    const samples: Record<string, Record<string, number[]>> = {};
    const add = (workload: string, system: string, value: number) => {
      const bySystem = samples[workload] ?? {};
      bySystem[system] = [...(bySystem[system] ?? []), value];
      samples[workload] = bySystem;
    };
    // One unmeasured pass warms the page cache, the CLI's files and the pilots.
    await runShell(systems[0]!.batch('/bin/true', SLOTS), env);
    for (let round = 0; round < sizes.rounds; round++) {
      const order = systems.map((_, i) => systems[(i + round) % systems.length] as Peer);
      for (const w of workloads) {
        for (const peer of order)
          add(w.key, peer.name, await wallSeconds(peer.batch(w.command, w.count), env));
      }
      for (const peer of order) add('idle', peer.name, await startLatencyMs(peer, inst.dataDir, env, round));
      for (const peer of order) add('ended', peer.name, await endToReturnMs(peer, inst.dataDir, env, round));
    }
    // Flat figures: `true_p3s_s` (median seconds), `true_ratio_parallel` (median of p3s/parallel per round).
    const row: Record<string, unknown> = {
      store: kind,
      slots: SLOTS,
      pilots: shape === 'slots' ? `1 × --slots ${SLOTS}` : `${SLOTS} × 1 slot`,
      rounds: sizes.rounds,
      slurm: systems.some((s) => s.name === 'slurm'),
      trueJobs: sizes.trueJobs,
      sleepJobs: sizes.sleepJobs,
    };
    for (const [key, unit] of [
      ['true', 's'],
      ['sleep', 's'],
      ['idle', 'ms'],
      ['ended', 'ms'],
    ] as const) {
      const bySystem = samples[key] ?? {};
      for (const [system, values] of Object.entries(bySystem)) {
        row[`${key}_${system}_${unit}`] = median(values);
        if (system !== 'p3s') row[`${key}_ratio_${system}`] = pairedRatio(bySystem.p3s ?? [], values);
      }
    }
    const rounded = (values: number[]) => values.map((v) => Math.round(v * 1000) / 1000);
    row.samples = Object.fromEntries(
      Object.entries(samples).map(([k, v]) => [
        k,
        Object.fromEntries(Object.entries(v).map(([system, values]) => [system, rounded(values)])),
      ]),
    );
    return row;
  } finally {
    rmSync(join(inst.dataDir, 'bin'), { recursive: true, force: true });
    await inst.close();
  }
}
