// `node --import tsx bench/ab-dispatcher.ts ROOT_A ROOT_B [--runs N] [--jobs N] [--pilots N] [--store sqlite|postgres]
//   [--client light|p3s] [--plain A]` (--plain: builds, by letter, whose server predates fetch-next)
// A/B comparison of two builds (each ROOT holds bin/ and dist/) on the dispatcher scenario,
// alternating A and B runs in the same session, each run starting with the next build in turn:
// jobs/s, and server and client CPU per job.

import { parseArgs } from 'node:util';
import pg from 'pg';
import { createTestDatabase } from '../test/helpers/postgres.ts';
import { removeDir, tempDir } from '../test/helpers/processes.ts';
import { type BuildServer, startBuildServer } from './lib/build-server.ts';
import { LightClient } from './lib/light-client.ts';
import { cpuMs } from './lib/proc-cpu.ts';
import { drainJobs, registerSimulatedPilots, submitTrivialJobs } from './lib/simulated-pilots.ts';
import { median, pairedRatio, percentile } from './lib/stats.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    runs: { type: 'string', default: '5' },
    jobs: { type: 'string', default: '4000' },
    pilots: { type: 'string', default: '16' },
    store: { type: 'string', default: 'sqlite' },
    client: { type: 'string', default: 'light' },
    plain: { type: 'string', default: '' },
  },
});
const roots = positionals;
const jobs = Number(values.jobs);

/** CPU of the PostgreSQL backends serving `url`'s database, by pid (they run on this host). */
async function backendCpuMs(url: string): Promise<Map<number, number>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>(
      'SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
    );
    return new Map(rows.map((r) => [r.pid, cpuMs(r.pid)]));
  } finally {
    await client.end();
  }
}

async function once(root: string, letter: string) {
  const dataDir = tempDir('p3s-ab-');
  const db = values.store === 'postgres' ? await createTestDatabase() : undefined;
  let server: BuildServer | undefined;
  try {
    server = await startBuildServer(root, dataDir, db ? ['--database-url', db.url] : []);
    const { child, url, token, client } = server;
    const uuids = await registerSimulatedPilots(client, Number(values.pilots));
    await submitTrivialJobs(client, jobs);
    const pilots = values.client === 'light' ? new LightClient(url, token) : client;
    const s0 = cpuMs(child.pid as number);
    const b0 = db ? await backendCpuMs(db.url) : undefined;
    const c0 = process.cpuUsage();
    const result = await drainJobs(pilots, uuids, jobs, { fetchNext: !values.plain.includes(letter) });
    const c = process.cpuUsage(c0);
    // Backends opened during the run count whole; the ones already open count from the start.
    const b1 = db ? await backendCpuMs(db.url) : undefined;
    const backendMs = b1 ? [...b1].reduce((sum, [pid, ms]) => sum + ms - (b0?.get(pid) ?? 0), 0) : 0;
    if (pilots instanceof LightClient) pilots.close();
    return {
      jobsPerSecond: result.jobsPerSecond,
      claimP99Ms: percentile(result.claimLatenciesMs, 99),
      serverMsPerJob: (cpuMs(child.pid as number) - s0) / jobs,
      clientMsPerJob: (c.user + c.system) / 1000 / jobs,
      postgresMsPerJob: backendMs / jobs,
    };
  } finally {
    await server?.kill();
    await db?.drop();
    removeDir(dataDir);
  }
}

const samples = roots.map(() => [] as Awaited<ReturnType<typeof once>>[]);
for (let i = 0; i < Number(values.runs); i++) {
  // Each run starts with the next build in turn: with a fixed order (A B, A B, …) a host that
  // speeds up or slows down over the session favours one side (seen with bench/ab-pilot.ts).
  for (let k = 0; k < roots.length; k++) {
    const r = (i + k) % roots.length;
    const s = await once(roots[r] as string, String.fromCharCode(65 + r));
    samples[r]?.push(s);
    console.log(
      `run ${i} ${String.fromCharCode(65 + r)} ${JSON.stringify(s, (_k, v) => (typeof v === 'number' ? Math.round(v * 1000) / 1000 : v))}`,
    );
  }
}
for (let r = 0; r < roots.length; r++) {
  const m = (k: keyof Awaited<ReturnType<typeof once>>) =>
    Math.round(median(samples[r]?.map((s) => s[k]) ?? []) * 1000) / 1000;
  console.log(
    `${String.fromCharCode(65 + r)} ${roots[r]}: median of ${samples[r]?.length}: ${m('jobsPerSecond')} jobs/s, claim p99 ${m('claimP99Ms')} ms, server ${m('serverMsPerJob')} ms/job, client ${m('clientMsPerJob')} ms/job${values.store === 'postgres' ? `, PostgreSQL ${m('postgresMsPerJob')} ms/job` : ''}`,
  );
}
if (samples.length === 2) {
  const [a, b] = samples.map((runs) => runs.map((s) => s.jobsPerSecond)) as [number[], number[]];
  console.log(`jobs/s, B/A: ${Math.round(pairedRatio(b, a) * 1000) / 1000} (median of the runs' pairs)`);
}
