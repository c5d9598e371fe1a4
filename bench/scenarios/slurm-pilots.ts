// Scenario: N queued jobs on an empty Slurm site to all done, through the factory's pilots, against
// the same N jobs submitted to Slurm directly as batch jobs (one sbatch each) — same node, same
// slots (one core per pilot or per job), same run, the two alternating so the host's drift hits
// both. Runs only where a Slurm answers `sinfo` (.ci/slurm.sh start; SLURM_CONF set).

import { execFileSync, spawnSync } from 'node:child_process';
import { workersApi } from '../../src/protocol/workers-client.ts';
import { baseEnv, type Proc, startP3s, waitFor } from '../../test/helpers/processes.ts';
import { type Installation, makeInstallation } from '../lib/installation.ts';
import { median, pairedRatio, preciseNow } from '../lib/stats.ts';

const PAYLOAD = '/bin/true';
const ACTIVE = ['-t', 'PD,R,CG,CF'];

export function slurmAnswers(): boolean {
  const probe = spawnSync('sinfo', ['-h', '-o', '%T'], { encoding: 'utf8' });
  return probe.status === 0 && /idle|mix|alloc/.test(probe.stdout);
}

/** The node's CPUs: one slot each, for pilots and direct jobs alike. */
function slots(): number {
  return Number(execFileSync('sinfo', ['-h', '-o', '%c'], { encoding: 'utf8' }).trim().split('\n')[0]);
}

/** Seconds from the first sbatch to the last of N one-core jobs leaving squeue's active states. */
async function directSeconds(jobs: number, dir: string, rep: number): Promise<number> {
  const name = `p3s-bench-direct-${process.pid}-${rep}`;
  const t0 = preciseNow();
  for (let i = 0; i < jobs; i++)
    execFileSync('sbatch', [
      '--parsable',
      `--job-name=${name}`,
      '--cpus-per-task=1',
      `--output=${dir}/direct-%j.out`,
      '--wrap',
      PAYLOAD,
    ]);
  await waitFor(
    'the direct jobs to end',
    () =>
      execFileSync('squeue', ['-h', '-n', name, ...ACTIVE, '-o', '%i'], { encoding: 'utf8' }).trim() === '',
    600_000,
    50,
  );
  return (preciseNow() - t0) / 1000;
}

/** Seconds from submitting N jobs to an empty provisioned site to all of them finished. */
async function pilotSeconds(
  inst: Installation,
  site: string,
  jobs: number,
): Promise<{ seconds: number; workers: number }> {
  const specs = Array.from({ length: jobs }, (_, i) => ({ name: `b${i}`, payload: PAYLOAD, site }));
  const t0 = preciseNow();
  await inst.client.submitJobs(specs);
  await waitFor(
    'the pilots to finish the jobs',
    async () => (await inst.client.listJobs({ site, state: 'finished', limit: 1 })).total >= jobs,
    600_000,
    50,
  );
  const seconds = (preciseNow() - t0) / 1000;
  // The pilots leave when idle: the next run starts from an empty site again.
  const workers = workersApi(inst.client);
  await waitFor(
    'the pilots to leave',
    async () => (await workers.listWorkers({ site, state: 'submitted,held,running', limit: 1 })).total === 0,
    120_000,
    200,
  );
  return { seconds, workers: (await workers.listWorkers({ site, limit: 1 })).total };
}

export async function slurmPilots(jobs: number, reps: number) {
  const inst = await makeInstallation('sqlite');
  let factory: Proc | undefined;
  try {
    await inst.start();
    const n = slots();
    factory = startP3s(
      ['factory', '--every', '1'],
      baseEnv({ P3S_HOME: inst.dataDir, TMPDIR: inst.dataDir }),
    );
    const pilot: number[] = [];
    const direct: number[] = [];
    const workers: number[] = [];
    for (let rep = 0; rep < reps; rep++) {
      // A fresh site per repetition: it starts empty, and its counts are this run's.
      const site = `bench-slurm-${rep}`;
      await inst.client.defineSite({
        name: site,
        pilotbeat: 5,
        provisioning: { batch: 'slurm', maxWorkers: n, maxQueued: n, pilotIdle: 3, resources: { cores: 1 } },
      });
      const viaPilots = async () => {
        const r = await pilotSeconds(inst, site, jobs);
        pilot.push(r.seconds);
        workers.push(r.workers);
      };
      const viaSbatch = async () => direct.push(await directSeconds(jobs, inst.dataDir, rep));
      for (const run of rep % 2 === 0 ? [viaSbatch, viaPilots] : [viaPilots, viaSbatch]) await run();
    }
    return {
      jobs,
      slots: n,
      payload: PAYLOAD,
      pilotSeconds: median(pilot),
      directSeconds: median(direct),
      pilotSamples: pilot,
      directSamples: direct,
      /** Direct time over pilot time, per pair, median: above 1 the pilots finished sooner. */
      speedupOverDirect: pairedRatio(direct, pilot),
      workersSubmitted: median(workers),
      reps,
    };
  } finally {
    factory?.signal('SIGTERM');
    await factory?.exited;
    await inst.close();
  }
}
