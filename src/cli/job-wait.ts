// `p3s job submit --wait`: polls the submitted jobs until every one has ended, with a
// progress line rewritten in place on a terminal and plain lines (on change) otherwise.

import { isTerminalJobState, JOB_STATES } from '../core/job-state.ts';
import { NetworkError, type P3sClient } from '../protocol/client.ts';
import type { JobWire } from '../protocol/schemas/jobs.ts';
import type { Output } from './output.ts';

/** `3/8 finished, 1 failed, 2 running, 2 defined` (states in life order, zero counts left out). */
export function progressText(
  jobs: { state: string }[],
  colorState: (state: string) => string = (s) => s,
): string {
  const counts = new Map<string, number>();
  for (const job of jobs) counts.set(job.state, (counts.get(job.state) ?? 0) + 1);
  const parts = [`${counts.get('finished') ?? 0}/${jobs.length} ${colorState('finished')}`];
  const order = ['failed', 'cancelled', ...JOB_STATES.filter((s) => !isTerminalJobState(s))];
  for (const state of order) {
    const n = counts.get(state);
    if (n) parts.push(`${n} ${colorState(state)}`);
  }
  return parts.join(', ');
}

const ID_BATCH = 500;
/** How long the server may stay unreachable before waiting gives up. */
const OUTAGE_LIMIT_MS = 60_000;

async function fetchJobs(client: P3sClient, ids: number[]): Promise<JobWire[]> {
  const jobs: JobWire[] = [];
  for (let i = 0; i < ids.length; i += ID_BATCH) {
    const batch = ids.slice(i, i + ID_BATCH);
    const page = await client.listJobs({ ids: batch.join(','), limit: 1000 });
    jobs.push(...page.jobs);
  }
  return jobs;
}

/** Resolves with the jobs once all are finished, failed or cancelled (or deleted meanwhile). */
export async function waitForJobs(
  client: P3sClient,
  ids: number[],
  out: Output,
  sleep: (ms: number) => Promise<void>,
): Promise<JobWire[]> {
  const live = out.stderr.isTTY === true;
  let last = '';
  let delay = 250;
  let unreachableSince: number | undefined;
  for (;;) {
    let jobs: JobWire[];
    try {
      jobs = await fetchJobs(client, ids);
      unreachableSince = undefined;
    } catch (error) {
      if (!(error instanceof NetworkError)) throw error;
      unreachableSince ??= Date.now();
      if (Date.now() - unreachableSince > OUTAGE_LIMIT_MS) throw error;
      if (!live) out.note(`server unreachable, still waiting: ${error.message}`);
      await sleep(2000);
      continue;
    }
    const text = progressText(jobs, (s) => out.jobState(s));
    if (live) out.status(text);
    else if (text !== last) out.note(text);
    delay = text === last ? Math.min(delay * 1.5, 2000) : 250;
    last = text;
    if (jobs.every((job) => isTerminalJobState(job.state))) {
      if (live) out.stderr.write('\n');
      return jobs;
    }
    await sleep(delay);
  }
}
