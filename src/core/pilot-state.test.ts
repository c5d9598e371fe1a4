import { describe, expect, it } from 'vitest';
import {
  GONE_PILOT_STATES,
  LIVE_PILOT_STATES,
  PILOT_STATES,
  PILOT_TRANSITIONS,
  pilotHeard,
  pilotMove,
  pilotStatesMovingTo,
  TERMINAL_PILOT_STATES,
} from './pilot-state.ts';

describe('pilot state machine', () => {
  it('moves only along the table, and lets a pilot stay put', () => {
    expect(pilotMove('idle', 'running')).toBe('running');
    expect(pilotMove('running', 'running')).toBe('running');
    expect(pilotMove('lost', 'stopped')).toBe('stopped');
    expect(() => pilotMove('stopped', 'idle', 'u1')).toThrow(/cannot move to idle pilot u1: it is stopped/);
    expect(() => pilotMove('lost', 'running')).toThrow(/it is lost/);
  });

  it('brings a lost pilot that talks back to idle', () => {
    expect(pilotHeard('lost')).toBe('idle');
    expect(pilotHeard('running')).toBe('running');
    expect(pilotHeard('stopped')).toBe('stopped');
  });

  it('derives its lists from the table', () => {
    expect(TERMINAL_PILOT_STATES).toEqual(['stopped']);
    expect(pilotStatesMovingTo('lost')).toEqual(['idle', 'running']);
    expect(LIVE_PILOT_STATES).toEqual(['idle', 'running']);
    expect(GONE_PILOT_STATES).toEqual(['stopped', 'lost']);
    // Every state but a terminal one has a way out; every state is reached.
    const reached = new Set(PILOT_TRANSITIONS.map(([, to]) => to));
    for (const state of PILOT_STATES) if (state !== 'idle') expect(reached, state).toContain(state);
  });
});
