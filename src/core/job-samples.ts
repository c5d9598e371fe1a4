// When a heartbeat of a running job becomes a memory/CPU sample (job_samples, 0015), and how an
// attempt's samples are thinned: ONE rule for every heartbeat path of both dialects, so the
// plot's resolution does not depend on which path a heartbeat took.

/** At most one sample per job per this many ms: pilots may beat faster than a plot needs. */
export const SAMPLE_INTERVAL_MS = 5_000;
/** At most this many samples per attempt (an hour at the fastest rate); thinning keeps it bounded. */
export const MAX_SAMPLES = 720;

/** A memory/CPU reading of one attempt at `at` (epoch ms). */
export interface JobSample {
  at: number;
  rssKb: number;
  /** Proportional set size, when the pilot reports it. */
  pssKb: number | null;
  cpuSeconds: number;
}

/** True when a heartbeat at `now` should store a sample, the last one being at `lastAt` (null: none yet). */
export function shouldSample(lastAt: number | null, now: number): boolean {
  return lastAt === null || now - lastAt >= SAMPLE_INTERVAL_MS;
}

/**
 * The sample times to delete before adding one to an attempt that holds `ats` (ascending): none
 * below MAX_SAMPLES, else every second one, keeping the first and the last, so a long job keeps
 * its whole history at half the resolution instead of losing its start.
 */
export function samplesToDrop(ats: readonly number[]): number[] {
  if (ats.length < MAX_SAMPLES) return [];
  return ats.filter((_, i) => i % 2 === 1 && i < ats.length - 1);
}

/** What a heartbeat does about samples: none, a plain insert, or the general path (state unknown or thinning due). */
export type SampleStep = 'skip' | 'sample' | 'general';

/** What the server remembers of an attempt's samples: the last time and how many. */
export interface SampleState {
  attempt: number;
  lastAt: number | null;
  count: number;
}

/** The step of a heartbeat of `attempt` at `now`, given what is remembered (undefined: nothing). */
export function sampleStep(state: SampleState | undefined, attempt: number, now: number): SampleStep {
  if (!state || state.attempt !== attempt) return 'general';
  if (!shouldSample(state.lastAt, now)) return 'skip';
  return state.count >= MAX_SAMPLES ? 'general' : 'sample';
}
