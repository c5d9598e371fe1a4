import { describe, expect, it } from 'vitest';
import {
  ACTIVE_JOB_STATES,
  ADJUSTABLE_JOB_STATES,
  isTerminalJobState,
  JOB_STATE_PLACE,
  JOB_STATES,
  JOB_TRANSITIONS,
  type JobState,
  type JobTransition,
  jobStatesAllowing,
  KILLABLE_JOB_STATES,
  nextJobState,
  QUEUE_JOB_STATES,
  RETRYABLE_JOB_STATES,
  sqlStateList,
  TERMINAL_JOB_STATES,
  UNSUCCESSFUL_JOB_STATES,
} from './job-state.ts';

describe('job state machine', () => {
  it.each<[JobState, JobTransition, JobState | undefined]>([
    ['template', 'release', 'defined'],
    ['defined', 'park', 'template'],
    ['defined', 'claim', 'dispatched'],
    ['dispatched', 'start', 'running'],
    ['running', 'finish', 'finished'],
    ['dispatched', 'finish', 'finished'],
    ['running', 'fail', 'failed'],
    ['running', 'lose', 'failed'],
    ['dispatched', 'lose', 'failed'],
    ['defined', 'cancel', 'cancelled'],
    ['running', 'cancel', 'cancelled'],
    ['failed', 'retry', 'defined'],
    ['cancelled', 'retry', 'defined'],
    // workflow rules: a noop completes, a job cancelled by its ancestor reopens after a retry
    ['template', 'complete', 'finished'],
    ['defined', 'complete', 'finished'],
    ['cancelled', 'reopen', 'template'],
    // the reaper fails a job that waited past its site's queue limit
    ['defined', 'expire', 'failed'],
    // the reaper takes back a job whose pilot never started it
    ['dispatched', 'requeue', 'defined'],
    ['running', 'requeue', undefined],
    // refused
    ['template', 'expire', undefined],
    ['dispatched', 'expire', undefined],
    ['finished', 'retry', undefined],
    ['finished', 'cancel', undefined],
    ['template', 'claim', undefined],
    ['running', 'claim', undefined],
    ['defined', 'start', undefined],
    ['failed', 'finish', undefined],
    ['cancelled', 'cancel', undefined],
    ['running', 'complete', undefined],
    ['dispatched', 'complete', undefined],
    ['failed', 'reopen', undefined],
    ['finished', 'reopen', undefined],
  ])('%s --%s--> %s', (from, transition, to) => {
    expect(nextJobState(from, transition)).toBe(to);
  });

  it('has no transition out of finished', () => {
    expect(JOB_TRANSITIONS.filter(([from]) => from === 'finished')).toEqual([]);
  });

  it('lists the from-states of a transition for compare-and-set guards', () => {
    expect(jobStatesAllowing('cancel').sort()).toEqual(['defined', 'dispatched', 'running', 'template']);
    expect(jobStatesAllowing('retry').sort()).toEqual(['cancelled', 'failed']);
    expect(jobStatesAllowing('complete').sort()).toEqual(['defined', 'template']);
    expect(jobStatesAllowing('reopen')).toEqual(['cancelled']);
    expect(jobStatesAllowing('expire')).toEqual(['defined']);
    expect(jobStatesAllowing('requeue')).toEqual(['dispatched']);
  });

  it('uses only known states and reaches every state', () => {
    const reached = new Set<JobState>(['template', 'defined']);
    for (const [from, , to] of JOB_TRANSITIONS) {
      expect(JOB_STATES).toContain(from);
      reached.add(to);
    }
    expect([...reached].sort()).toEqual([...JOB_STATES].sort());
  });

  it('knows the terminal states', () => {
    expect(JOB_STATES.filter(isTerminalJobState).sort()).toEqual(['cancelled', 'failed', 'finished']);
  });
});

describe('state lists derived from the table', () => {
  const targets = (transition: JobTransition) =>
    JOB_TRANSITIONS.filter(([, t]) => t === transition).map(([, , to]) => to);
  const exits = (state: JobState) => JOB_TRANSITIONS.filter(([from]) => from === state).map(([, t]) => t);

  it('places every state where its transitions say it is', () => {
    for (const state of JOB_STATES) {
      const { phase } = JOB_STATE_PLACE[state];
      // A held job is one a pilot claimed or started; a pilot's lease on it can be lost.
      expect(phase === 'held', state).toBe(
        targets('claim').includes(state) || targets('start').includes(state),
      );
      if (phase === 'held') expect(exits(state), state).toContain('lose');
      // An ended job leaves only by a retry or a reopen; a live one can always be cancelled.
      if (phase === 'ended')
        expect(
          exits(state).filter((t) => t !== 'retry' && t !== 'defer' && t !== 'reopen'),
          state,
        ).toEqual([]);
      else expect(exits(state), state).toContain('cancel');
      expect(phase === 'queued', state).toBe(exits(state).includes('claim'));
    }
  });

  it('derives the lists', () => {
    expect(TERMINAL_JOB_STATES).toEqual(['finished', 'failed', 'cancelled']);
    expect(ACTIVE_JOB_STATES).toEqual(['dispatched', 'running']);
    expect(ADJUSTABLE_JOB_STATES).toEqual(['template', 'defined']);
    // QueueDepthRow (core/stats.ts) has one count per queue state.
    expect(QUEUE_JOB_STATES).toEqual(['defined', 'dispatched', 'running']);
    expect(UNSUCCESSFUL_JOB_STATES).toEqual(['failed', 'cancelled']);
    expect(KILLABLE_JOB_STATES).toEqual(['template', 'defined', 'dispatched', 'running']);
    expect(RETRYABLE_JOB_STATES).toEqual(['failed', 'cancelled']);
  });

  it('writes states as SQL literals and refuses anything else', () => {
    expect(sqlStateList(ACTIVE_JOB_STATES)).toBe("'dispatched', 'running'");
    expect(() => sqlStateList(["x'); DROP TABLE jobs; --"])).toThrow(/not a list of states/);
    expect(() => sqlStateList([])).toThrow(/not a list of states/);
  });
});
