// Pure decision: which end state and error an attempt's outcome leads to.

import type { JobOutcome, ResolvedOutcome } from './types.ts';

export function resolveOutcome(outcome: JobOutcome): ResolvedOutcome {
  switch (outcome.kind) {
    case 'exited':
      return outcome.exitCode === 0
        ? { state: 'finished', errorName: null, diag: null }
        : { state: 'failed', errorName: 'exit_code', diag: `payload exited with status ${outcome.exitCode}` };
    case 'signaled':
      return { state: 'failed', errorName: 'signal', diag: `payload ended by signal ${outcome.signal}` };
    case 'timelimit':
      return {
        state: 'failed',
        errorName: 'timelimit',
        diag: `payload exceeded its time limit of ${outcome.timelimit} s and was killed`,
      };
    case 'killed':
      return { state: 'cancelled', errorName: 'killed', diag: 'killed on request' };
    case 'nonstarter':
      return { state: 'failed', errorName: 'nonstarter', diag: outcome.reason };
    case 'pilot_shutdown':
      return { state: 'failed', errorName: 'pilot_shutdown', diag: `pilot received ${outcome.signal}` };
    case 'server_unreachable':
      return {
        state: 'failed',
        errorName: 'server_unreachable',
        diag: `server unreachable for ${outcome.seconds} s`,
      };
    case 'pilot_lifetime':
      return { state: 'failed', errorName: 'pilot_lifetime', diag: 'pilot lifetime ended' };
    case 'disk_full':
      return {
        state: 'failed',
        errorName: 'disk_full',
        diag: `no space left on ${outcome.path}: ${outcome.detail}`,
      };
    case 'memory_exceeded':
    case 'disk_exceeded':
    case 'looping':
      return { state: 'failed', errorName: outcome.kind, diag: outcome.detail };
  }
}
