import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyEnvPatch, parseEnvPatch, parseJobSpecs } from './job-spec.ts';

const FIXTURES = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'p3s');

function issuesOf(input: unknown) {
  const result = parseJobSpecs(input, '/jobs');
  if (result.ok) throw new Error('expected a rejection');
  return result.issues;
}

describe('parseJobSpecs on P3S inputs', () => {
  const files = [
    ...readdirSync(join(FIXTURES, 'jobs')).map((f) => join('jobs', f)),
    'larsoft/evdisp/eventdisplay_data.json',
    'larsoft/purity/purity_data.json',
  ];
  it.each(files)('accepts %s unchanged', (file) => {
    const input = JSON.parse(readFileSync(join(FIXTURES, file), 'utf8'));
    const result = parseJobSpecs(input);
    expect(result.ok).toBe(true);
  });

  it('accepts the seed example with string numbers', () => {
    const result = parseJobSpecs([
      {
        name: 'p3s_test',
        timeout: '100',
        jobtype: 'print_date',
        payload: '/home/p3s/my_executable.sh',
        env: { P3S_MODE: 'COPY', MYFILE: '/tmp/myfile.txt' },
        priority: '1',
        state: 'defined',
      },
    ]);
    expect(result).toEqual({
      ok: true,
      specs: [
        {
          name: 'p3s_test',
          jobtype: 'print_date',
          payload: '/home/p3s/my_executable.sh',
          env: { P3S_MODE: 'COPY', MYFILE: '/tmp/myfile.txt' },
          priority: 1,
          timelimit: 100,
          state: 'defined',
          site: null,
        },
      ],
    });
  });

  it('fills documented defaults', () => {
    const result = parseJobSpecs([{ payload: '/bin/true' }]);
    expect(result.ok && result.specs[0]).toEqual({
      name: '',
      jobtype: 'default',
      payload: '/bin/true',
      env: {},
      priority: 0,
      timelimit: 1000,
      state: 'defined',
      site: null,
    });
  });

  it('keeps the job_template2 priorities as numbers', () => {
    const input = JSON.parse(readFileSync(join(FIXTURES, 'jobs', 'job_template2.json'), 'utf8'));
    const result = parseJobSpecs(input);
    expect(result.ok && result.specs.map((s) => s.priority)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });
});

describe('parseJobSpecs rejections name the field', () => {
  it.each<[string, unknown, string, RegExp]>([
    ['not a list', { name: 'x' }, '/jobs', /must be a list/],
    ['empty list', [], '/jobs', /at least one job/],
    ['item not an object', ['x'], '/jobs/0', /must be a job object/],
    ['unknown field', [{ payload: 'x', colour: 'red' }], '/jobs/0/colour', /unknown field/],
    ['missing payload', [{ name: 'x' }], '/jobs/0/payload', /required/],
    ['empty payload', [{ payload: '  ' }], '/jobs/0/payload', /must not be empty/],
    ['non-numeric timeout', [{ payload: 'x', timeout: 'abc' }], '/jobs/0/timeout', /whole number of seconds/],
    ['negative timeout', [{ payload: 'x', timeout: '-5' }], '/jobs/0/timeout', /between 1 and/],
    ['zero timelimit', [{ payload: 'x', timelimit: 0 }], '/jobs/0/timelimit', /between 1 and/],
    ['fractional priority', [{ payload: 'x', priority: 1.5 }], '/jobs/0/priority', /whole number/],
    ['env not an object', [{ payload: 'x', env: '{"A":"1"}' }], '/jobs/0/env', /must be an object/],
    ['env value not a string', [{ payload: 'x', env: { A: 1 } }], '/jobs/0/env/A', /must be a string/],
    [
      'env bad name',
      [{ payload: 'x', env: { '1A': 'x' } }],
      '/jobs/0/env/1A',
      /valid environment variable name/,
    ],
    ['bad state', [{ payload: 'x', state: 'running' }], '/jobs/0/state', /"defined" or "template"/],
    ['both limits', [{ payload: 'x', timeout: 1, timelimit: 2 }], '/jobs/0/timelimit', /either/],
    ['name not a string', [{ payload: 'x', name: 5 }], '/jobs/0/name', /must be a string/],
    ['NUL in payload', [{ payload: 'a\0b' }], '/jobs/0/payload', /NUL/],
  ])('%s', (_name, input, path, message) => {
    const issues = issuesOf(input);
    const issue = issues.find((i) => i.path === path);
    expect(issue, JSON.stringify(issues)).toBeDefined();
    expect(issue?.message).toMatch(message);
  });

  it('reports every bad job of a list, and stores none (returns no specs)', () => {
    const issues = issuesOf([
      { payload: 'ok' },
      { payload: 'x', timeout: 'soon' },
      { priority: 'high', payload: 'y' },
    ]);
    expect(issues.map((i) => i.path)).toEqual(['/jobs/1/timeout', '/jobs/2/priority']);
  });

  it('refuses oversized values', () => {
    expect(issuesOf([{ payload: 'x'.repeat(5000) }])[0]?.path).toBe('/jobs/0/payload');
    expect(issuesOf([{ payload: 'x', env: { A: 'v'.repeat(70_000) } }])[0]?.path).toBe('/jobs/0/env/A');
  });
});

describe('resource requests', () => {
  it('keeps memory, cores and disk when given (numbers or strings), and adds none when absent', () => {
    const result = parseJobSpecs([
      { payload: 'x', memory: 2048, cores: '4', disk: '10240' },
      { payload: 'y', memory: null },
      { payload: 'z' },
    ]);
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    expect(result.specs[0]).toMatchObject({ memory: 2048, cores: 4, disk: 10240 });
    expect(Object.keys(result.specs[1] ?? {})).not.toContain('memory');
    expect(Object.keys(result.specs[2] ?? {})).not.toEqual(
      expect.arrayContaining(['memory', 'cores', 'disk']),
    );
  });

  it.each<[Record<string, unknown>, string, RegExp]>([
    [{ memory: 0 }, '/jobs/0/memory', /between 1 and 16777216 MiB, got 0/],
    [{ memory: '2GB' }, '/jobs/0/memory', /whole number of MiB, got "2GB"/],
    [{ memory: 1.5 }, '/jobs/0/memory', /whole number of MiB/],
    [{ cores: -1 }, '/jobs/0/cores', /between 1 and 4096 cores, got -1/],
    [{ cores: 5000 }, '/jobs/0/cores', /between 1 and 4096 cores/],
    [{ disk: true }, '/jobs/0/disk', /whole number of MiB, got boolean true/],
  ])('refuses %j naming the field', (fields, path, message) => {
    const issue = issuesOf([{ payload: 'x', ...fields }])[0];
    expect(issue?.path).toBe(path);
    expect(issue?.message).toMatch(message);
  });
});

describe('applyEnvPatch', () => {
  it('sets, replaces and removes variables without touching the original', () => {
    const env = { KEEP: 'k', CHANGE: 'old', DROP: 'd' };
    expect(applyEnvPatch(env, { CHANGE: 'new', DROP: null, ADD: 'a', ABSENT: null })).toEqual({
      KEEP: 'k',
      CHANGE: 'new',
      ADD: 'a',
    });
    expect(env).toEqual({ KEEP: 'k', CHANGE: 'old', DROP: 'd' });
  });
});

describe('parseEnvPatch', () => {
  it('allows null to remove a variable', () => {
    const issues: never[] = [];
    expect(parseEnvPatch({ A: '1', B: null }, '/env', issues)).toEqual({ A: '1', B: null });
  });
  it('names bad keys', () => {
    const issues: { path: string; message: string }[] = [];
    expect(parseEnvPatch({ 'A-B': '1' }, '/env', issues)).toBeUndefined();
    expect(issues[0]?.path).toBe('/env/A-B');
  });
});
