// The job_samples rows (0015): the general path's sample (which reads what is stored, thins and
// inserts), the read for the API, and the memory of each attempt's last sample that lets the
// heartbeat fast paths decide without a read (SampleMemo).

import type { Kysely } from 'kysely';
import {
  type JobMetrics,
  type JobSample,
  type SampleState,
  samplesToDrop,
  shouldSample,
} from '../core/index.ts';
import type { Database, JobSamplesTable } from './schema.ts';

/** The row of a heartbeat's sample: pilots report no PSS yet, the column waits for it. */
export const sampleRow = (
  jobId: number,
  attempt: number,
  at: number,
  metrics: JobMetrics,
): JobSamplesTable => ({
  job_id: jobId,
  attempt,
  at,
  rss_kb: metrics.rssKb,
  pss_kb: null,
  cpu_seconds: metrics.cpuSeconds,
});

/**
 * The general path's sample: reads the attempt's sample times (what is stored is the truth, the
 * memo may be missing or stale), and when the rule allows one, thins (samplesToDrop) and inserts.
 * Runs inside the heartbeat's transaction; answers what the memo should now remember.
 */
export async function sampleIn(
  db: Kysely<Database>,
  jobId: number,
  attempt: number,
  at: number,
  metrics: JobMetrics,
): Promise<SampleState> {
  const rows = await db
    .selectFrom('job_samples')
    .select('at')
    .where('job_id', '=', jobId)
    .where('attempt', '=', attempt)
    .orderBy('at')
    .execute();
  const ats = rows.map((row) => Number(row.at));
  const lastAt = ats.at(-1) ?? null;
  if (!shouldSample(lastAt, at)) return { attempt, lastAt, count: ats.length };
  const drop = samplesToDrop(ats);
  if (drop.length > 0)
    await db
      .deleteFrom('job_samples')
      .where('job_id', '=', jobId)
      .where('attempt', '=', attempt)
      .where('at', 'in', drop)
      .execute();
  await db
    .insertInto('job_samples')
    .values(sampleRow(jobId, attempt, at, metrics))
    .onConflict((oc) => oc.doNothing())
    .execute();
  return { attempt, lastAt: at, count: ats.length - drop.length + 1 };
}

/** An attempt's samples, oldest first. */
export async function jobSamples(db: Kysely<Database>, jobId: number, attempt: number): Promise<JobSample[]> {
  const rows = await db
    .selectFrom('job_samples')
    .selectAll()
    .where('job_id', '=', jobId)
    .where('attempt', '=', attempt)
    .orderBy('at')
    .execute();
  return rows.map((row) => ({
    at: Number(row.at),
    rssKb: Number(row.rss_kb),
    pssKb: row.pss_kb === null ? null : Number(row.pss_kb),
    cpuSeconds: Number(row.cpu_seconds),
  }));
}

/** Past this many remembered jobs the memo starts over: a forgotten job costs one general-path beat. */
const MEMO_LIMIT = 100_000;

/**
 * What this server remembers of each job's samples, so a heartbeat's fast path knows whether a
 * sample is due without reading job_samples. Unknown jobs go to the general path once, which reads
 * the truth. With several servers on one database a memo can be stale: a job may then get a sample
 * per server per interval at worst, and the general path's thinning still bounds the count.
 */
export class SampleMemo {
  readonly #states = new Map<number, SampleState>();

  get(jobId: number): SampleState | undefined {
    return this.#states.get(jobId);
  }

  set(jobId: number, state: SampleState): void {
    if (this.#states.size >= MEMO_LIMIT && !this.#states.has(jobId)) this.#states.clear();
    this.#states.set(jobId, state);
  }

  /** After a fast path stored a sample at `at`. */
  took(jobId: number, state: SampleState, at: number): void {
    this.set(jobId, { attempt: state.attempt, lastAt: at, count: state.count + 1 });
  }
}
