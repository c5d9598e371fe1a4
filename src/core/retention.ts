// Pure retention rules: what may be purged, in which states, and what never is (running work:
// dispatched/running jobs, live pilots, running workflows). The store applies these in SQL.

import { ENDED_WORKFLOW_STATES, LIVE_WORKFLOW_STATES, WORKFLOW_STATES } from './dag/readiness.ts';
import { ACTIVE_JOB_STATES, isActiveJobState, JOB_STATES, TERMINAL_JOB_STATES } from './job-state.ts';
import { GONE_PILOT_STATES, LIVE_PILOT_STATES } from './pilot-state.ts';

/** The kinds of record a purge removes. */
export const PURGE_TARGETS = ['jobs', 'pilots', 'workflows'] as const;
export type PurgeTarget = (typeof PURGE_TARGETS)[number];

interface StateRule {
  /** States that may be purged when asked for. */
  allowed: readonly string[];
  /** States purged when no state is given. */
  default: readonly string[];
  /** States that are live work: refused even when asked for. */
  live: readonly string[];
}

export const PURGE_STATES: Record<PurgeTarget, StateRule> = {
  jobs: {
    allowed: JOB_STATES.filter((state) => !isActiveJobState(state)),
    default: TERMINAL_JOB_STATES,
    live: ACTIVE_JOB_STATES,
  },
  pilots: {
    allowed: GONE_PILOT_STATES,
    default: GONE_PILOT_STATES,
    live: LIVE_PILOT_STATES,
  },
  workflows: {
    allowed: WORKFLOW_STATES.filter((state) => !LIVE_WORKFLOW_STATES.includes(state)),
    default: ENDED_WORKFLOW_STATES,
    live: LIVE_WORKFLOW_STATES,
  },
};

/** Most records one purge request handles; callers page through the rest. */
export const PURGE_BATCH_MAX = 1000;
export const PURGE_BATCH_DEFAULT = 500;

export function isPurgeTarget(value: string): value is PurgeTarget {
  return (PURGE_TARGETS as readonly string[]).includes(value);
}

export type PurgeStatesResult = { ok: true; states: string[] } | { ok: false; message: string };

/** The states to purge: the defaults when none are given; live or unknown states are refused by name. */
export function purgeStates(what: PurgeTarget, requested: readonly string[] | undefined): PurgeStatesResult {
  const rule = PURGE_STATES[what];
  if (requested === undefined || requested.length === 0) return { ok: true, states: [...rule.default] };
  const live = requested.filter((s) => rule.live.includes(s));
  if (live.length > 0)
    return {
      ok: false,
      message: `${what} in state ${live.join(', ')} are running work and are never purged`,
    };
  const unknown = requested.filter((s) => !rule.allowed.includes(s));
  if (unknown.length > 0)
    return {
      ok: false,
      message: `unknown ${what} state ${unknown.join(', ')} (purgeable: ${rule.allowed.join(', ')})`,
    };
  return { ok: true, states: [...new Set(requested)] };
}
