import { describe, expect, it } from 'vitest';
import {
  isTerminalJobState,
  JOB_STATES,
  JOB_TRANSITIONS,
  type JobState,
  type JobTransition,
  jobStatesAllowing,
  nextJobState,
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
    // refused
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
