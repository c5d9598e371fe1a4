import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CliError } from './errors.ts';
import { describeSubmitIssues, expandJobs, loadJobInput } from './job-input.ts';

const dir = mkdtempSync(join(tmpdir(), 'p3s-job-input-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('expandJobs', () => {
  const jobs = [
    { name: 'a', payload: '/bin/true', env: { P3S_INPUT_FILE: 'dummy_to_be_replaced', X: '1' } },
    { name: 'b', payload: '/bin/true' },
  ];

  it('sends the list unchanged without -f and -N', () => {
    expect(expandJobs(jobs, {})).toBe(jobs);
    const notAList = { name: 'x' };
    expect(expandJobs(notAList, { copies: 1 })).toBe(notAList);
  });

  it('-f sets env.P3S_INPUT_FILE on every job, creating env when missing, without touching the input', () => {
    expect(expandJobs(jobs, { files: ['/data/run42.root'] })).toEqual([
      { name: 'a', payload: '/bin/true', env: { P3S_INPUT_FILE: '/data/run42.root', X: '1' } },
      { name: 'b', payload: '/bin/true', env: { P3S_INPUT_FILE: '/data/run42.root' } },
    ]);
    expect(jobs[0]?.env?.P3S_INPUT_FILE).toBe('dummy_to_be_replaced');
    expect(jobs[1]).not.toHaveProperty('env');
  });

  it('a comma list makes one copy of each job per file, file by file', () => {
    const out = expandJobs(jobs, { files: ['f1', 'f2'] }) as { name: string; env: Record<string, string> }[];
    expect(out.map((j) => `${j.name}:${j.env.P3S_INPUT_FILE}`)).toEqual(['a:f1', 'b:f1', 'a:f2', 'b:f2']);
  });

  it('-N makes copies (per file when both are given)', () => {
    expect((expandJobs(jobs, { copies: 3 }) as { name: string }[]).map((j) => j.name)).toEqual([
      'a',
      'b',
      'a',
      'b',
      'a',
      'b',
    ]);
    const out = expandJobs([jobs[1]], { files: ['f1', 'f2'], copies: 2 }) as {
      env: Record<string, string>;
    }[];
    expect(out.map((j) => j.env.P3S_INPUT_FILE)).toEqual(['f1', 'f1', 'f2', 'f2']);
  });

  it('--env sets variables on every job; -f wins for P3S_INPUT_FILE', () => {
    const out = expandJobs(jobs, {
      files: ['f1'],
      env: [
        ['DUNETPCVER', 'v6'],
        ['X', '2'],
      ],
    }) as {
      env: Record<string, string>;
    }[];
    expect(out.map((j) => j.env)).toEqual([
      { P3S_INPUT_FILE: 'f1', X: '2', DUNETPCVER: 'v6' },
      { DUNETPCVER: 'v6', X: '2', P3S_INPUT_FILE: 'f1' },
    ]);
  });

  it('leaves odd entries for the server to name, and needs a list', () => {
    expect(expandJobs([42, { env: 'x' }], { files: ['f'] })).toEqual([42, { env: 'x' }]);
    expect(() => expandJobs({ name: 'x' }, { files: ['f'] })).toThrow(CliError);
  });
});

describe('describeSubmitIssues', () => {
  const one = (path: string, jobs: unknown) => describeSubmitIssues([{ path, message: 'm' }], jobs)[0]?.path;

  it('turns server paths into 1-based job labels with names', () => {
    const jobs = [{ name: 'first' }, { payload: '/bin/true' }];
    expect(one('/jobs/0/timeout', jobs)).toBe('job 1 ("first"): timeout');
    expect(one('/jobs/1/env/A', jobs)).toBe('job 2: env/A');
    expect(one('/jobs/1', jobs)).toBe('job 2');
    expect(one('/jobs', jobs)).toBe('jobs');
    expect(one('/body/jobs', jobs)).toBe('jobs');
    expect(one('/body/jobs/0/name', jobs)).toBe('job 1 ("first"): name');
    expect(one('/user', jobs)).toBe('/user');
  });

  it('says one problem of many jobs once, naming them as ranges, in the order first met', () => {
    const copies = Array.from({ length: 40 }, () => ({ name: 's', params: '1' }));
    const unknown = (i: number) => ({ path: `/jobs/${i}/params`, message: 'unknown field' });
    const issues = [
      ...copies.map((_, i) => unknown(i)),
      { path: '/jobs/7/priority', message: 'must be an integer' },
      { path: '/user', message: 'unknown user' },
    ];
    expect(describeSubmitIssues(issues, copies)).toEqual([
      { path: 'jobs 1-40 ("s"): params', message: 'unknown field' },
      { path: 'job 8 ("s"): priority', message: 'must be an integer' },
      { path: '/user', message: 'unknown user' },
    ]);
  });

  it('keeps apart the same field with different messages, and leaves out a name the jobs do not share', () => {
    const jobs = [{ name: 'a' }, { name: 'b' }, { name: 'a' }, { name: 'c' }];
    const issues = [
      { path: '/jobs/0/timeout', message: 'must be a number' },
      { path: '/jobs/1/timeout', message: 'must be a number' },
      { path: '/jobs/3/timeout', message: 'must be a number' },
      { path: '/jobs/2/timeout', message: 'must be at least 0' },
    ];
    expect(describeSubmitIssues(issues, jobs)).toEqual([
      { path: 'jobs 1 2 4: timeout', message: 'must be a number' },
      { path: 'job 3 ("a"): timeout', message: 'must be at least 0' },
    ]);
  });

  it('cuts a long list of scattered jobs short and says how many', () => {
    const jobs = Array.from({ length: 40 }, (_, i) => ({ name: i % 2 ? 't' : 's' }));
    const odd = jobs.flatMap((_, i) =>
      i % 2 ? [] : [{ path: `/jobs/${i}/params`, message: 'unknown field' }],
    );
    expect(describeSubmitIssues(odd, jobs)).toEqual([
      { path: 'jobs 1 3 5 7 9 11 … 39 ("s", 20 in all): params', message: 'unknown field' },
    ]);
    const seven = odd.slice(0, 7);
    expect(describeSubmitIssues(seven, jobs)[0]?.path).toBe('jobs 1 3 5 7 9 11 13 ("s"): params');
  });
});

describe('loadJobInput', () => {
  it('reads a file, or takes the argument itself as JSON (P3S takeJson)', async () => {
    const file = join(dir, 'jobs.json');
    writeFileSync(file, '[{"name":"a"}]');
    expect(await loadJobInput(file)).toEqual({ source: file, jobs: [{ name: 'a' }] });
    expect(await loadJobInput(' [{"name":"b"}]')).toEqual({ source: '<argument>', jobs: [{ name: 'b' }] });
  });

  it('says when the file does not exist', async () => {
    await expect(loadJobInput(join(dir, 'missing.json'))).rejects.toThrow(/no such file/);
  });
});
