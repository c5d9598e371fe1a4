// Pure matching rules: which defined jobs a pilot may take, and in which order.
// The store's claim queries implement exactly this; its conformance tests compare against it.

import type { PilotOffer } from './job-fit.ts';

/** What a pilot asks for when it claims. */
export interface MatchRequest {
  /** The pilot's site; null = a pilot without a site, which takes only any-site jobs. */
  site: string | null;
  /** Accepted job types; empty = any type. */
  jobTypes: readonly string[];
  /**
   * What the pilot can hold (job-fit.ts); absent = no constraint. The store fills it from the
   * pilot's row, whatever the caller passed.
   */
  offer?: PilotOffer;
}

export interface MatchCandidate {
  id: number;
  state: string;
  site: string | null;
  jobtype: string;
  priority: number;
}

/** A job is eligible when it is defined, its site is the pilot's (or unset), and its type is accepted. */
export function isEligible(job: MatchCandidate, request: MatchRequest): boolean {
  if (job.state !== 'defined') return false;
  if (job.site !== null && job.site !== request.site) return false;
  return request.jobTypes.length === 0 || request.jobTypes.includes(job.jobtype);
}

/** Dispatch order: higher priority first, then submission order (lower id first). */
export function compareForDispatch(a: MatchCandidate, b: MatchCandidate): number {
  return b.priority - a.priority || a.id - b.id;
}

/** The job a pilot should get next, or undefined. */
export function pickJob<T extends MatchCandidate>(jobs: readonly T[], request: MatchRequest): T | undefined {
  return jobs.filter((job) => isEligible(job, request)).sort(compareForDispatch)[0];
}
