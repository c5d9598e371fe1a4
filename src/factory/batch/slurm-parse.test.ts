import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exitCodeOf, parseSbatchParsable, parseSqueueJson, squeueIdsWithComment } from './slurm-parse.ts';

// Recorded from Slurm 22.05.8 (Debian 12's slurm-wlm) on this kind of machine: jobs that completed,
// failed (exit 3), were scancel'led while running, run, are held, and wait for resources.
const RECORDED = readFileSync(
  join(import.meta.dirname, '..', '..', '..', 'test', 'fixtures', 'batch', 'squeue-22.05.json'),
  'utf8',
);

describe('parseSqueueJson on recorded Slurm 22.05 output', () => {
  const jobs = parseSqueueJson(RECORDED);

  it.each([
    ['slurm:1', { state: 'finished', exitCode: 0, reason: null }],
    ['slurm:2', { state: 'failed', exitCode: 3, reason: 'NonZeroExitCode' }],
    ['slurm:3', { state: 'cancelled', exitCode: 143, reason: null }],
    ['slurm:4', { state: 'running', exitCode: null, reason: null }],
    ['slurm:6', { state: 'held', exitCode: null, reason: 'JobHeldUser' }],
    ['slurm:7', { state: 'submitted', exitCode: null, reason: 'Resources', startedAt: null }],
  ])('%s', (id, expected) => {
    expect(jobs.get(id)).toMatchObject({ batchId: id, ...expected });
  });

  it('reads every job, with start and end times in ms', () => {
    expect([...jobs.keys()]).toEqual([
      'slurm:1',
      'slurm:2',
      'slurm:3',
      'slurm:4',
      'slurm:5',
      'slurm:6',
      'slurm:7',
    ]);
    expect(jobs.get('slurm:1')).toMatchObject({ startedAt: 1_796_619_282_000, endedAt: 1_796_619_283_000 });
    // A running job's end_time is its time limit, not an end.
    expect(jobs.get('slurm:4')?.endedAt).toBeNull();
  });
});

describe('parseSqueueJson on the 23.02+ shape', () => {
  // Written after the openapi v0.0.39+ schema (states as lists, numbers as {set, infinite, number},
  // exit codes as objects); no newer Slurm runs here to record one.
  const newer = JSON.stringify({
    jobs: [
      {
        job_id: 8,
        job_state: ['COMPLETED'],
        state_reason: 'None',
        exit_code: { status: ['SUCCESS'], return_code: { set: true, infinite: false, number: 0 } },
        start_time: { set: true, infinite: false, number: 100 },
        end_time: { set: true, infinite: false, number: 160 },
      },
      {
        job_id: 9,
        job_state: ['CANCELLED'],
        state_reason: 'None',
        exit_code: {
          status: ['SIGNALED'],
          return_code: { set: true, number: 0 },
          signal: { id: { set: true, number: 15 }, name: 'TERM' },
        },
        start_time: { set: true, number: 100 },
        end_time: { set: true, number: 120 },
      },
      {
        job_id: 10,
        job_state: ['PENDING'],
        state_reason: 'JobHeldAdmin',
        start_time: { set: false, number: 0 },
      },
      {
        job_id: 11,
        job_state: ['RUNNING', 'COMPLETING'],
        state_reason: 'None',
        start_time: { set: true, number: 100 },
      },
    ],
  });

  it('maps states, exit codes and times the same way', () => {
    const jobs = parseSqueueJson(newer);
    expect(jobs.get('slurm:8')).toMatchObject({
      state: 'finished',
      exitCode: 0,
      startedAt: 100_000,
      endedAt: 160_000,
    });
    expect(jobs.get('slurm:9')).toMatchObject({ state: 'cancelled', exitCode: 143 });
    expect(jobs.get('slurm:10')).toMatchObject({ state: 'held', reason: 'JobHeldAdmin', startedAt: null });
    expect(jobs.get('slurm:11')).toMatchObject({ state: 'running', startedAt: 100_000 });
  });
});

describe('parseSqueueJson refuses what is not squeue JSON', () => {
  it.each([
    ['an error message', 'slurm_load_jobs error: Unable to contact slurm controller', /not JSON/],
    ['JSON without jobs', '{"errors":[]}', /no "jobs" list/],
  ])('%s', (_name, text, message) => {
    expect(() => parseSqueueJson(text)).toThrow(message);
  });
});

describe('exitCodeOf', () => {
  it.each<[unknown, number | null]>([
    [0, 0],
    [768, 3],
    [32512, 127],
    [15, 143],
    [9, 137],
    [{ return_code: 2 }, 2],
    [{ return_code: { set: true, number: 1 } }, 1],
    [{ signal: { id: { number: 9 } }, return_code: 0 }, 137],
    [undefined, null],
  ])('%j → %s', (raw, expected) => {
    expect(exitCodeOf(raw)).toBe(expected);
  });
});

describe('parseSbatchParsable', () => {
  it.each([
    ['42\n', '42'],
    ['42;cluster\n', '42'],
    ['sbatch: warning: something\n43\n', '43'],
    ['', undefined],
    ['sbatch: error: Batch job submission failed', undefined],
  ])('%j → %s', (stdout, expected) => {
    expect(parseSbatchParsable(stdout)).toBe(expected);
  });
});

describe('squeueIdsWithComment', () => {
  it('finds the jobs of one submission by the intent tag in their comment', () => {
    const answer = JSON.parse(RECORDED) as { jobs: { job_id: number; comment: string }[] };
    for (const job of answer.jobs) if (job.job_id === 4 || job.job_id === 7) job.comment = 'p3s-0123456789ab';
    const text = JSON.stringify(answer);
    expect(squeueIdsWithComment(text, 'p3s-0123456789ab')).toEqual(['4', '7']);
    expect(squeueIdsWithComment(text, 'p3s-ffffffffffff')).toEqual([]);
    expect(squeueIdsWithComment(RECORDED, '')).toHaveLength(7);
    expect(() => squeueIdsWithComment('nope', 'x')).toThrow(/not JSON/);
    const nested = { jobs: [{ job_id: 9, comment: { job: 'p3s-0123456789ab', administrator: null } }] };
    expect(squeueIdsWithComment(JSON.stringify(nested), 'p3s-0123456789ab')).toEqual(['9']);
  });
});
