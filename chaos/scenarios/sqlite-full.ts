// SQLite on a small tmpfs — the server's database, and the local pilots' logs, sandboxes and job
// logs (`p3s pilots start`) — filled to the last byte mid-flow for longer than the lease, then freed.
// Submissions get 503 while it is full, every accepted job ends finished once, and the server and
// every local pilot stay alive throughout.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { alive, killAll, tempDir } from '../../test/helpers/processes.ts';
import { mountTmpfs, type Tmpfs } from '../../test/helpers/tmpfs.ts';
import { Flow } from '../lib/flow.ts';
import {
  LEASE_SECONDS,
  sleep,
  startChaosServer,
  startLocalPilots,
  stopLocalPilots,
} from '../lib/installation.ts';
import { Ledger } from '../lib/ledger.ts';
import { settle, type Verdict } from '../lib/verdict.ts';
import { idempotentResend } from './idempotent-resend.ts';

const FULL_MS = (LEASE_SECONDS + 4) * 1000;

export async function sqliteFullScenario(log: (line: string) => void): Promise<Verdict[]> {
  const outside = tempDir('p3s-chaos-sqlite-');
  let disk: Tmpfs | undefined;
  let stopPilots: (() => Promise<void>) | undefined;
  try {
    disk = mountTmpfs(64 * 1024 * 1024);
    const dataDir = join(disk.dir, 'data');
    mkdirSync(dataDir);
    const server = await startChaosServer({ dataDir });
    const pilots = await startLocalPilots(server, 3);
    stopPilots = () => stopLocalPilots(server);
    const ledger = new Ledger(join(outside, 'ledger'));
    const flow = new Flow(server, ledger, 60);
    const notes: string[] = [];
    const violations: string[] = [];
    flow.start();
    await sleep(4000);
    const refusedBefore = flow.refused;
    const ballast = disk.fill();
    log(`  sqlite: filled the data dir's tmpfs (${Math.round(ballast / 1024 / 1024)} MiB of ballast)`);
    await sleep(1500);
    const health = await server.health();
    const said = health.body.error?.message ?? JSON.stringify(health.body);
    log(`  sqlite: health answers ${health.status}: ${said.slice(0, 110)}`);
    if (health.status !== 503 || !said.includes('disk full'))
      violations.push(`health while the disk was full answered ${health.status}: ${said}`);
    await sleep(FULL_MS - 1500);
    disk.free();
    const refusedWhileFull = flow.refused - refusedBefore;
    log(
      `  sqlite: freed after ${FULL_MS / 1000} s (the lease is ${LEASE_SECONDS} s); ${refusedWhileFull} sends got 503`,
    );
    if (refusedWhileFull === 0) violations.push('no send was answered 503 while the disk was full');
    await sleep(4000);
    notes.push(`sends answered 503 while full (each sent again with its key): ${refusedWhileFull}`);
    const verdict = await settle({
      scenario: 'sqlite: data dir tmpfs filled and freed',
      client: server.client,
      flow,
      ledger,
      faults: 1,
      serverSamePid: await server.samePid(),
      notes,
      violations,
    });
    // Alive throughout: checked once every job has ended, long after the disk was full.
    const dead = pilots.filter((pid) => !alive(pid));
    if (dead.length > 0) verdict.violations.push(`local pilots died: ${dead.join(', ')}`);
    verdict.notes.push(`local pilots alive at the end: ${pilots.length - dead.length}/${pilots.length}`);
    const resend = await idempotentResend('sqlite', server.client);
    return [verdict, resend];
  } finally {
    await stopPilots?.();
    await killAll();
    disk?.destroy();
  }
}
