// `node --import tsx bench/profile.ts [--store sqlite|postgres] [--jobs N] [--pilots N] [--out DIR]`
// The dispatcher scenario with CPU profiles of both sides: the server child runs profiled
// (lib/cpu-profile-preload.mjs; stopped with SIGTERM so that it writes its profile) and the driving process
// (the simulated pilots' HTTP client) profiles itself through the inspector. Summarise a profile
// with `node bench/summarise-profile.mjs FILE.cpuprofile`.

import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { makeInstallation, type StoreKind } from './lib/installation.ts';
import { drainJobs, registerSimulatedPilots, submitTrivialJobs } from './lib/simulated-pilots.ts';
import { percentile } from './lib/stats.ts';

const { values } = parseArgs({
  options: {
    store: { type: 'string', default: 'sqlite' },
    jobs: { type: 'string', default: '4000' },
    pilots: { type: 'string', default: '16' },
    out: { type: 'string', default: 'bench/results/profiles' },
  },
});
const out = resolve(values.out ?? 'bench/results/profiles');
mkdirSync(out, { recursive: true });
const jobs = Number(values.jobs);

// The server child inherits the environment (test/helpers/processes.ts passes it on); --cpu-prof is
// not allowed in NODE_OPTIONS, so a preloaded module profiles it.
const previous = process.env.NODE_OPTIONS;
const preload = join(import.meta.dirname, 'lib', 'cpu-profile-preload.mjs');
process.env.NODE_OPTIONS = `${previous ?? ''} --import ${preload}`.trim();
process.env.P3S_CPU_PROFILE_DIR = out;
const inst = await makeInstallation((values.store ?? 'sqlite') as StoreKind);
try {
  const server = await inst.start();
  if (previous === undefined) delete process.env.NODE_OPTIONS;
  else process.env.NODE_OPTIONS = previous;
  delete process.env.P3S_CPU_PROFILE_DIR;
  const uuids = await registerSimulatedPilots(inst.client, Number(values.pilots));
  await submitTrivialJobs(inst.client, jobs);
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  const cpu0 = process.cpuUsage();
  const result = await drainJobs(inst.pilotCalls, uuids, jobs);
  const cpu = process.cpuUsage(cpu0);
  const { profile } = await session.post('Profiler.stop');
  writeFileSync(join(out, 'client.cpuprofile'), JSON.stringify(profile));
  session.disconnect();
  server.signal('SIGTERM');
  await server.exited;
  console.log(
    JSON.stringify({
      jobsPerSecond: Math.round(result.jobsPerSecond),
      claimP99Ms: Math.round(percentile(result.claimLatenciesMs, 99) * 10) / 10,
      clientCpuMsPerJob: Math.round(((cpu.user + cpu.system) / 1000 / jobs) * 1000) / 1000,
      profiles: out,
    }),
  );
} finally {
  await inst.close();
}
