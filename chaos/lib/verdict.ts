// Judging a scenario from what the payloads recorded and what the server stored: every accepted job
// ended finished, none ran twice, none is lost, nothing was stored that was not acknowledged, and the
// server is the process it was at the start.

import type { P3sClient } from '../../src/protocol/client.ts';
import type { JobWire } from '../../src/protocol/schemas/jobs.ts';
import type { Flow } from './flow.ts';
import type { Ledger } from './ledger.ts';

export interface Verdict {
  scenario: string;
  faults: number;
  accepted: number;
  finished: number;
  lost: number;
  /** Ended failed or cancelled for another reason. */
  failed: number;
  ranTwice: number;
  refused: number;
  resent: number;
  serverSamePid: boolean;
  notes: string[];
  violations: string[];
}

/** A verdict that counts only what `fields` give (scenarios without a flow of jobs). */
export function verdictOf(scenario: string, fields: Partial<Verdict>): Verdict {
  return {
    scenario,
    faults: 0,
    accepted: 0,
    finished: 0,
    lost: 0,
    failed: 0,
    ranTwice: 0,
    refused: 0,
    resent: 0,
    serverSamePid: true,
    notes: [],
    violations: [],
    ...fields,
  };
}

/** Every job the server holds, through the API, oldest first. */
export async function allJobs(client: P3sClient): Promise<JobWire[]> {
  const jobs: JobWire[] = [];
  for (let offset = 0; ; offset += 1000) {
    const page = await client.listJobs({ limit: 1000, offset, sort: 'id', order: 'asc' });
    jobs.push(...page.jobs);
    if (page.jobs.length < 1000) return jobs;
  }
}

/** Waits until no accepted job is waiting or running any more (or the deadline passed). */
export async function drain(client: P3sClient, deadlineMs: number): Promise<boolean> {
  const end = Date.now() + deadlineMs;
  while (Date.now() < end) {
    try {
      const { jobs } = await client.summary();
      if ((jobs.defined ?? 0) + (jobs.dispatched ?? 0) + (jobs.running ?? 0) === 0) return true;
    } catch {
      // the server may be busy recovering: ask again
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return false;
}

/** Stops the flow, waits until its jobs have ended, and judges them (a drain that never ends is a violation). */
export async function settle(options: Parameters<typeof judge>[0]): Promise<Verdict> {
  await options.flow.stop();
  const violations = [...(options.violations ?? [])];
  if (!(await drain(options.client, 120_000)))
    violations.push('jobs were still waiting or running 120 s after the flow stopped');
  return judge({ ...options, violations });
}

export async function judge(options: {
  scenario: string;
  client: P3sClient;
  flow: Flow;
  ledger: Ledger;
  faults: number;
  serverSamePid: boolean;
  notes: string[];
  violations?: string[];
}): Promise<Verdict> {
  const { client, flow, ledger } = options;
  const violations = [...(options.violations ?? [])];
  const jobs = await allJobs(client);
  const byId = new Map(jobs.map((job) => [job.id, job]));
  const { starts, ends } = ledger.read();
  let finished = 0;
  let lost = 0;
  let failed = 0;
  let ranTwice = 0;
  for (const id of flow.accepted) {
    const job = byId.get(id);
    if (!job) {
      violations.push(`accepted job ${id} is gone from the server`);
      continue;
    }
    if (job.state === 'finished') finished++;
    else if (job.errorName === 'lost') lost++;
    else failed++;
    if (job.state !== 'finished')
      violations.push(
        `job ${id} ended ${job.state}${job.errorName ? ` (${job.errorName}: ${job.errorDiag})` : ''}`,
      );
    const ran = starts.get(id) ?? 0;
    if (ran > 1) {
      ranTwice++;
      violations.push(`job ${id} ran ${ran} times (its payload recorded ${ran} starts)`);
    }
    if (ran === 0 || (ends.get(id) ?? 0) === 0)
      violations.push(`job ${id}: its payload recorded no run to its end`);
  }
  const unacknowledged = jobs.filter((job) => !flow.accepted.has(job.id) && job.name.startsWith('chaos-'));
  if (unacknowledged.length > 0)
    violations.push(
      `${unacknowledged.length} jobs stored that no submission was told of (e.g. ${unacknowledged[0]?.id})`,
    );
  for (const problem of flow.unexpected) violations.push(`a submission was answered: ${problem}`);
  if (!options.serverSamePid) violations.push('the server process was not the same at the end');
  return {
    scenario: options.scenario,
    faults: options.faults,
    accepted: flow.accepted.size,
    finished,
    lost,
    failed,
    ranTwice,
    refused: flow.refused,
    resent: flow.resent,
    serverSamePid: options.serverSamePid,
    notes: options.notes,
    violations,
  };
}
