// Pilot states and their transitions, as data.

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
/** Pilots that count as alive for summaries and matching. */
export const LIVE_PILOT_STATES: readonly PilotState[] = ['idle', 'running'];
