// Pilot states and their transitions, as data. Pilot state is written only through pilotMove()
// (in TypeScript) or with guards built from pilotStatesMovingTo() / TERMINAL_PILOT_STATES (in SQL).

import { InvalidTransitionError } from './errors.ts';

/** The states a pilot moves through, as the server sees it. */
export const PilotState = {
  /** Registered and waiting for a job (long-polling its claim). */
  idle: 'idle',
  /** Holding a job. */
  running: 'running',
  /** Deregistered itself (cycles done, lifetime over, or told to stop). Terminal. */
  stopped: 'stopped',
  /** Stopped talking to the server (no claim or heartbeat within the pilot timeout). */
  lost: 'lost',
} as const;
export type PilotState = (typeof PilotState)[keyof typeof PilotState];
export const PILOT_STATES = Object.values(PilotState) as readonly PilotState[];

type Edge = readonly [from: PilotState, to: PilotState];

/** Allowed pilot state changes. A lost pilot that talks again comes back (its jobs stay lost). */
export const PILOT_TRANSITIONS: readonly Edge[] = [
  ['idle', 'running'],
  ['running', 'idle'],
  ['idle', 'stopped'],
  ['running', 'stopped'],
  ['idle', 'lost'],
  ['running', 'lost'],
  ['lost', 'idle'],
  ['lost', 'stopped'],
];

export function canPilotMove(from: PilotState, to: PilotState): boolean {
  return PILOT_TRANSITIONS.some(([f, t]) => f === from && t === to);
}
export function isPilotState(value: string): value is PilotState {
  return (PILOT_STATES as readonly string[]).includes(value);
}

/** The state a pilot in `from` takes on `to`; staying put is allowed, any other move not in the table throws. */
export function pilotMove(from: PilotState, to: PilotState, uuid = '?'): PilotState {
  if (from !== to && !canPilotMove(from, to))
    throw new InvalidTransitionError('pilot', uuid, from, `move to ${to}`);
  return to;
}

/** A pilot's state once it talks again: a lost pilot comes back idle, any other stays as it is. */
export function pilotHeard(from: PilotState, uuid = '?'): PilotState {
  return from === 'lost' ? pilotMove(from, 'idle', uuid) : from;
}

/** The states a pilot may move to `to` from (compare-and-set guards in SQL). */
export function pilotStatesMovingTo(to: PilotState): PilotState[] {
  return PILOT_TRANSITIONS.filter(([, t]) => t === to).map(([f]) => f);
}

/** States with no way out: a pilot in one is never written again. */
export const TERMINAL_PILOT_STATES: readonly PilotState[] = PILOT_STATES.filter(
  (state) => !PILOT_TRANSITIONS.some(([from]) => from === state),
);

/**
 * Whether a pilot in each state counts as alive for summaries, matching and retention; a new
 * state fails to compile here until it is placed.
 */
export const PILOT_STATE_LIVE = {
  idle: true,
  running: true,
  stopped: false,
  lost: false,
} as const satisfies Record<PilotState, boolean>;

/** Pilots that count as alive for summaries and matching. */
export const LIVE_PILOT_STATES: readonly PilotState[] = PILOT_STATES.filter(
  (state) => PILOT_STATE_LIVE[state],
);
/** Pilots that are gone (stopped or lost). */
export const GONE_PILOT_STATES: readonly PilotState[] = PILOT_STATES.filter(
  (state) => !PILOT_STATE_LIVE[state],
);
