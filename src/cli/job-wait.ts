// `p3s job submit --wait`: follows the submitted jobs until every one has ended, with a progress
// line rewritten in place on a terminal and plain lines (on change) otherwise. The server holds
// each progress request until the jobs have ended (a long-poll woken by the store's changes), so
// the wait ends as the last job does; `progressEvery` only paces the progress line meanwhile.

import { monotonicNow } from '../core/clock.ts';
import { isTerminalJobState, JOB_STATES } from '../core/job-state.ts';
import { ApiError, NetworkError, type P3sClient } from '../protocol/client.ts';
import type { JobProgressWire, JobWire } from '../protocol/schemas/jobs.ts';
import type { Output } from './output.ts';

/** `3/8 finished, 1 failed, 2 running, 2 defined` (states in life order, zero counts left out). */
export function progressText(
  counts: Partial<Record<string, number>>,
  total: number,
  colorState: (state: string) => string = (s) => s,
): string {
  const parts = [`${counts.finished ?? 0}/${total} ${colorState('finished')}`];
  const order = ['failed', 'cancelled', ...JOB_STATES.filter((s) => !isTerminalJobState(s))];
  for (const state of order) {
    const n = counts[state];
    if (n) parts.push(`${n} ${colorState(state)}`);
  }
  return parts.join(', ');
}

/** Ids per request: the query string stays well inside the server's limit. */
const ID_BATCH = 500;
/** How long the server may stay unreachable before waiting gives up. */
const OUTAGE_LIMIT_MS = 60_000;

function batchesOf(ids: number[]): number[][] {
  const batches: number[][] = [];
  for (let i = 0; i < ids.length; i += ID_BATCH) batches.push(ids.slice(i, i + ID_BATCH));
  return batches;
}

async function fetchJobs(client: P3sClient, batches: number[][]): Promise<JobWire[]> {
  const jobs: JobWire[] = [];
  for (const batch of batches) {
    const page = await client.listJobs({ ids: batch.join(','), limit: ID_BATCH });
    jobs.push(...page.jobs);
  }
  return jobs;
}

/** All batches' counts summed. */
function summed(progress: JobProgressWire[]): Partial<Record<string, number>> {
  const counts: Partial<Record<string, number>> = {};
  for (const p of progress)
    for (const [state, n] of Object.entries(p.counts)) counts[state] = (counts[state] ?? 0) + n;
  return counts;
}

/**
 * Resolves with the jobs once all are finished, failed or cancelled (or deleted meanwhile).
 * `progressEvery`: seconds the server may hold a request while no job ends (the refresh pace).
 */
export async function waitForJobs(
  client: P3sClient,
  ids: number[],
  out: Output,
  sleep: (ms: number) => Promise<void>,
  progressEvery: number,
): Promise<JobWire[]> {
  const live = out.stderr.isTTY === true;
  const batches = batchesOf(ids);
  const progress: JobProgressWire[] = batches.map(() => ({ counts: {}, missing: 0, ended: false }));
  // Each ended batch's answer carries its jobs, so the wait ends without another read; a server
  // that does not know `jobs=` (older than this client) refuses it once, and the jobs are read after.
  let askJobs = true;
  let last = '';
  let unreachableSince: number | undefined;
  for (;;) {
    // The first batch still running is held until it ends; the others are looked at as they are.
    const held = progress.findIndex((p) => !p.ended);
    if (held === -1) break;
    try {
      for (const [i, batch] of batches.entries()) {
        if (progress[i]?.ended) continue;
        const wait = i === held ? progressEvery : 0;
        progress[i] = await client.jobsProgress({
          ids: batch.join(','),
          wait,
          ...(askJobs && { jobs: true }),
        });
      }
      unreachableSince = undefined;
    } catch (error) {
      if (askJobs && error instanceof ApiError && error.status === 400) {
        askJobs = false;
        continue;
      }
      if (!passing(error)) throw error;
      unreachableSince ??= monotonicNow();
      if (monotonicNow() - unreachableSince > OUTAGE_LIMIT_MS) throw error;
      if (!live) out.note(`server unreachable, still waiting: ${error.message}`);
      await sleep(2000);
      continue;
    }
    const text = progressText(summed(progress), ids.length, (s) => out.jobState(s));
    if (live) out.status(text);
    else if (text !== last) out.note(text);
    last = text;
  }
  if (live) out.stderr.write('\n');
  const carried = progress.map((p) => p.jobs);
  if (carried.every((jobs) => jobs !== undefined)) return carried.flat();
  for (let tries = 1; ; tries++) {
    try {
      return await fetchJobs(client, batches);
    } catch (error) {
      if (!passing(error) || tries * 2000 > OUTAGE_LIMIT_MS) throw error;
      await sleep(2000);
    }
  }
}

/** A failure that may pass: no answer, or the server's database briefly unavailable (503). */
function passing(error: unknown): error is NetworkError | ApiError {
  return error instanceof NetworkError || (error instanceof ApiError && error.status === 503);
}
