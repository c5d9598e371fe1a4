// PostgreSQL under a steady flow of jobs through real pilots and a real `p3s server`: the server's
// sessions terminated five times, then PostgreSQL stopped with `-m fast` and with `-m immediate`,
// each time down longer than the lease. Every accepted job must end finished, once.

import { join } from 'node:path';
import { type PrivatePostgres, startPrivatePostgres } from '../../test/helpers/private-postgres.ts';
import { killAll, tempDir } from '../../test/helpers/processes.ts';
import { Flow } from '../lib/flow.ts';
import { LEASE_SECONDS, sleep, startChaosServer, startPilots } from '../lib/installation.ts';
import { Ledger } from '../lib/ledger.ts';
import { settle, type Verdict } from '../lib/verdict.ts';
import { idempotentResend } from './idempotent-resend.ts';

const TERMINATIONS = 5;
/** Longer than the lease: the leases of running jobs run out while PostgreSQL is down. */
const DOWN_MS = (LEASE_SECONDS + 3) * 1000;

export async function postgresScenario(log: (line: string) => void): Promise<Verdict[]> {
  const dataDir = tempDir('p3s-chaos-pg-');
  let cluster: PrivatePostgres | undefined;
  try {
    cluster = await startPrivatePostgres();
    const server = await startChaosServer({ dataDir, databaseUrl: cluster.url });
    startPilots(server, 3);
    const ledger = new Ledger(join(dataDir, 'ledger'));
    const flow = new Flow(server, ledger, 60);
    const notes: string[] = [];
    const violations: string[] = [];
    let faults = 0;
    flow.start();
    await sleep(3000);
    for (let i = 1; i <= TERMINATIONS; i++) {
      const ended = await cluster.terminateBackends();
      faults++;
      log(`  postgres: terminated the server's ${ended} sessions (${i}/${TERMINATIONS})`);
      await sleep(2000);
    }
    for (const mode of ['fast', 'immediate'] as const) {
      cluster.stop(mode);
      faults++;
      await sleep(1000);
      const health = await server.health();
      const said = health.body.error?.message ?? JSON.stringify(health.body);
      log(`  postgres: stopped -m ${mode}; health answers ${health.status}: ${said.slice(0, 100)}`);
      if (health.status !== 503 || !said.startsWith('database unreachable'))
        violations.push(`health while PostgreSQL was down (-m ${mode}) answered ${health.status}: ${said}`);
      await sleep(DOWN_MS - 1000);
      cluster.start();
      log(`  postgres: started again after ${DOWN_MS / 1000} s (the lease is ${LEASE_SECONDS} s)`);
      await sleep(5000);
    }
    notes.push(
      `sends answered 503 while the database was away (each sent again with its key): ${flow.refused}`,
    );
    const verdict = await settle({
      scenario: 'postgres: 5 terminations, restarts -m fast/immediate',
      client: server.client,
      flow,
      ledger,
      faults,
      serverSamePid: await server.samePid(),
      notes,
      violations,
    });
    const resend = await idempotentResend('postgres', server.client);
    return [verdict, resend];
  } finally {
    await killAll();
    cluster?.destroy();
  }
}
