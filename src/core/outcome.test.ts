import { describe, expect, it } from 'vitest';
import { JOB_ERRORS } from './job-errors.ts';
import { resolveOutcome } from './outcome.ts';
import type { JobOutcome } from './types.ts';

describe('resolveOutcome', () => {
  it.each<[JobOutcome, string, string | null]>([
    [{ kind: 'exited', exitCode: 0 }, 'finished', null],
    [{ kind: 'exited', exitCode: 3 }, 'failed', 'exit_code'],
    [{ kind: 'exited', exitCode: 77 }, 'failed', 'exit_code'],
    [{ kind: 'signaled', signal: 'SIGSEGV' }, 'failed', 'signal'],
    [{ kind: 'timelimit', timelimit: 10 }, 'failed', 'timelimit'],
    [{ kind: 'killed' }, 'cancelled', 'killed'],
    [{ kind: 'nonstarter', reason: 'ENOENT' }, 'failed', 'nonstarter'],
    [{ kind: 'pilot_shutdown', signal: 'SIGTERM' }, 'failed', 'pilot_shutdown'],
    [{ kind: 'server_unreachable', seconds: 600 }, 'failed', 'server_unreachable'],
    [{ kind: 'pilot_lifetime' }, 'failed', 'pilot_lifetime'],
    [{ kind: 'disk_full', path: '/w', detail: 'payload exited with status 1' }, 'failed', 'disk_full'],
    [{ kind: 'memory_exceeded', detail: 'used 400 MiB' }, 'failed', 'memory_exceeded'],
    [{ kind: 'disk_exceeded', detail: 'holds 60 MiB' }, 'failed', 'disk_exceeded'],
    [{ kind: 'looping', detail: 'idle 61 s' }, 'failed', 'looping'],
  ])('%j → %s (%s)', (outcome, state, errorName) => {
    const resolved = resolveOutcome(outcome);
    expect(resolved.state).toBe(state);
    expect(resolved.errorName).toBe(errorName);
    if (errorName) expect(resolved.diag).toBeTruthy();
  });

  it('names the full directory in a disk_full diagnostic', () => {
    expect(
      resolveOutcome({ kind: 'disk_full', path: '/data/joblogs', detail: 'payload exited with status 1' })
        .diag,
    ).toBe('no space left on /data/joblogs: payload exited with status 1');
  });

  it('quotes the exit status and time limit in the diagnostic', () => {
    expect(resolveOutcome({ kind: 'exited', exitCode: 3 }).diag).toContain('3');
    expect(resolveOutcome({ kind: 'timelimit', timelimit: 42 }).diag).toContain('42 s');
  });

  it('has unique error numbers', () => {
    const codes = Object.values(JOB_ERRORS).map((e) => e.code);
    expect(new Set(codes).size).toBe(codes.length);
  });
});
