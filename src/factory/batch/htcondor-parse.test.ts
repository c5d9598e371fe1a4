import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCondorQJson, parseCondorSubmitTerse } from './htcondor-parse.ts';

// Recorded from HTCondor 23.9.6 (Debian 13's condor, in a chroot) with the attributes the adapter
// asks for: jobs that completed (exit 0, exit 3), run, were condor_rm'ed while running, are held,
// and wait idle.
const RECORDED = readFileSync(
  join(import.meta.dirname, '..', '..', '..', 'test', 'fixtures', 'batch', 'condor_q-23.json'),
  'utf8',
);

describe('parseCondorQJson on recorded HTCondor 23.9 output', () => {
  const jobs = parseCondorQJson(RECORDED);

  it.each([
    ['htcondor:1.0', { state: 'finished', exitCode: 0, endedAt: 1_796_619_413_000 }],
    ['htcondor:2.0', { state: 'failed', exitCode: 3 }],
    ['htcondor:3.0', { state: 'running', exitCode: null, startedAt: 1_796_619_412_000, endedAt: null }],
    ['htcondor:4.0', { state: 'cancelled', exitCode: 143, reason: 'via condor_rm (by user p3s)' }],
    ['htcondor:5.0', { state: 'held', reason: "submitted on hold at user's request", startedAt: null }],
    ['htcondor:7.0', { state: 'submitted', reason: null, startedAt: null }],
  ])('%s', (id, expected) => {
    expect(jobs.get(id)).toMatchObject({ batchId: id, ...expected });
  });

  it('reads every job', () => {
    expect(jobs.size).toBe(7);
  });

  it('takes no output (no job matched) as no jobs, and refuses other text', () => {
    expect(parseCondorQJson('').size).toBe(0);
    expect(parseCondorQJson('\n').size).toBe(0);
    expect(() => parseCondorQJson('-- Failed to fetch ads from: <127.0.0.1:9618>')).toThrow(/not JSON/);
    expect(() => parseCondorQJson('{}')).toThrow(/no list/);
  });
});

describe('parseCondorSubmitTerse', () => {
  it.each([
    ['9.0 - 9.2\n', ['9.0', '9.1', '9.2']],
    ['11.0 - 11.0\n', ['11.0']],
    ['', undefined],
    ['ERROR: Executable file /nonexist does not exist', undefined],
    ['9.0 - 10.1', undefined],
  ])('%j → %j', (stdout, expected) => {
    expect(parseCondorSubmitTerse(stdout)).toEqual(expected);
  });
});
