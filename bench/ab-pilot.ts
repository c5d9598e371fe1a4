// `node --import tsx bench/ab-pilot.ts ROOT_A ROOT_B [--runs N] [--jobs N] [--payload CMD]`
// A/B comparison of two builds' pilots (each ROOT holds bin/ and dist/): one server (ROOT_A's, on
// SQLite), then for each run one pilot of each build in turn, alternating which goes first, each
// running `--jobs` payloads (default /bin/true) to the end. Prints the pilot's CPU per job and
// jobs/s per run, their medians, and the median of the pairs' CPU ratios (B/A): the host's speed
// drifts over minutes, so only the pairs compare.

import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { P3sClient } from '../src/protocol/client.ts';
import { baseEnv, removeDir, tempDir, waitFor } from '../test/helpers/processes.ts';
import { startBuildServer } from './lib/build-server.ts';
import { cpuMs } from './lib/proc-cpu.ts';
import { median, pairedRatio, preciseNow, round } from './lib/stats.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    runs: { type: 'string', default: '5' },
    jobs: { type: 'string', default: '600' },
    payload: { type: 'string', default: '/bin/true' },
  },
});
const [rootA, rootB] = positionals;
if (!rootA || !rootB) throw new Error('usage: bench/ab-pilot.ts ROOT_A ROOT_B [--runs N] [--jobs N]');
const jobs = Number(values.jobs);

const dataDir = tempDir('p3s-ab-pilot-');
const server = await startBuildServer(rootA, dataDir).catch((error: unknown) => {
  removeDir(dataDir);
  throw error;
});

/** One pilot of `root` runs `jobs` payloads to the end: its CPU per job and the jobs/s. */
async function once(client: P3sClient, root: string) {
  const specs = Array.from({ length: jobs }, (_, i) => ({ name: `ab-${i}`, payload: values.payload }));
  await client.submitJobs(specs);
  const t0 = preciseNow();
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
  args.push('--work-dir', join(dataDir, 'work'), '--joblog-dir', join(dataDir, 'joblogs'));
  const pilot = spawn(process.execPath, args, {
    env: baseEnv({ P3S_HOME: dataDir, P3S_SERVER: server.url }),
    stdio: 'ignore',
  });
  const exited = new Promise((resolve) => pilot.once('exit', resolve));
  try {
    await waitFor(
      'every job ended',
      async () => {
        const byState = (await client.summary()).jobs;
        return (byState.defined ?? 0) + (byState.dispatched ?? 0) + (byState.running ?? 0) === 0;
      },
      600_000,
    );
    const seconds = (preciseNow() - t0) / 1000;
    return { cpuMsPerJob: cpuMs(pilot.pid as number) / jobs, jobsPerSecond: jobs / seconds };
  } finally {
    pilot.kill('SIGTERM');
    await exited;
  }
}

try {
  const { client } = server;
  const a: Awaited<ReturnType<typeof once>>[] = [];
  const b: Awaited<ReturnType<typeof once>>[] = [];
  for (let i = 0; i < Number(values.runs); i++) {
    const order: ['A' | 'B', string][] =
      i % 2 === 0
        ? [
            ['A', rootA],
            ['B', rootB],
          ]
        : [
            ['B', rootB],
            ['A', rootA],
          ];
    for (const [letter, root] of order) {
      const s = await once(client, root);
      (letter === 'A' ? a : b).push(s);
      console.log(
        `run ${i} ${letter} cpu ${round(s.cpuMsPerJob, 3)} ms/job, ${round(s.jobsPerSecond, 1)} jobs/s`,
      );
    }
  }
  for (const [letter, root, s] of [
    ['A', rootA, a],
    ['B', rootB, b],
  ] as const) {
    const cpu = round(median(s.map((x) => x.cpuMsPerJob)), 3);
    console.log(
      `${letter} ${root}: median of ${s.length}: pilot ${cpu} ms/job, ${round(median(s.map((x) => x.jobsPerSecond)), 1)} jobs/s`,
    );
  }
  const ratio = pairedRatio(
    b.map((x) => x.cpuMsPerJob),
    a.map((x) => x.cpuMsPerJob),
  );
  console.log(`pilot CPU per job, B/A: ${round(ratio, 3)} (median of the pairs' ratios)`);
} finally {
  await server.kill();
  removeDir(dataDir);
}
