import { describe, expect, it } from 'vitest';
import { CliError } from './errors.ts';
import { pickRunJob, runLabel } from './run-job.ts';

const THREE = [
  { name: 'one', payload: '/bin/one', timeout: '10' },
  { name: 'two', payload: '/bin/two', env: { A: 'a' } },
  { name: 'three', payload: '/bin/three', priority: 'high' },
];

describe('pickRunJob', () => {
  it('takes the first job by default and normalises it like the server', () => {
    expect(pickRunJob(THREE, 1, { env: [] }, 'f.json')).toMatchObject({
      name: 'one',
      payload: '/bin/one',
      timelimit: 10,
      env: {},
    });
  });

  it('takes the job at a 1-based index', () => {
    expect(pickRunJob(THREE, 2, { env: [] }, 'f.json')).toMatchObject({ name: 'two', env: { A: 'a' } });
  });

  it('accepts a single job object', () => {
    expect(pickRunJob({ payload: '/bin/x' }, 1, { env: [] }, 'f.json').payload).toBe('/bin/x');
  });

  it('replaces the payload and sets variables, creating env when missing (testwrapper -p/-i/-o)', () => {
    const spec = pickRunJob(
      THREE,
      1,
      { payload: '/my/script.sh arg', env: [['P3S_INPUT_FILE', '/in.root']] },
      'f.json',
    );
    expect(spec).toMatchObject({ payload: '/my/script.sh arg', env: { P3S_INPUT_FILE: '/in.root' } });
    expect(THREE[0]).not.toHaveProperty('env');
  });

  it('lets an override win over the job env', () => {
    expect(pickRunJob(THREE, 2, { env: [['A', 'b']] }, 'f.json').env).toEqual({ A: 'b' });
  });

  it('names the problems of a job that cannot run', () => {
    const error = (() => {
      try {
        pickRunJob(THREE, 3, { env: [] }, 'f.json');
      } catch (e) {
        return e as CliError;
      }
    })();
    expect(error).toBeInstanceOf(CliError);
    expect(error?.message).toBe('f.json: job 3 cannot run');
    expect(error?.details).toEqual([
      { path: 'job 3 ("three"): priority', message: expect.stringContaining('whole number') },
    ]);
  });

  it('refuses an index past the end as a usage error', () => {
    expect(() => pickRunJob(THREE, 4, { env: [] }, 'f.json')).toThrow(/holds 3 jobs; there is no job 4/);
  });
});

describe('runLabel', () => {
  it('sorts by time and names the process', () => {
    expect(runLabel(new Date(2024, 4, 1, 14, 3, 7), 4242)).toBe('run-20240501-140307-4242');
  });
});
