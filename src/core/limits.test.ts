import { describe, expect, it } from 'vitest';
import { jsonBytes, jsonTooDeep, oversizedEnvs, tooManyJobs } from './limits.ts';

describe('jsonBytes', () => {
  it.each([
    [{}, 2],
    [{ a: 'b' }, 9],
    // Multi-byte characters count as their UTF-8 bytes, not UTF-16 units.
    [{ k: 'é' }, 10],
    [{ k: '😀' }, 12],
  ])('%j is %i bytes', (value, bytes) => {
    expect(jsonBytes(value)).toBe(bytes);
  });
});

describe('oversizedEnvs', () => {
  const pathOf = (i: number) => `/jobs/${i}`;
  it('names every env over the limit with its size', () => {
    const envs: Record<string, string>[] = [
      { a: 'x' },
      { big: 'y'.repeat(100) },
      {},
      { big: 'z'.repeat(200) },
    ];
    expect(oversizedEnvs(envs, 50, pathOf)).toEqual([
      { path: '/jobs/1/env', message: 'is 110 bytes; at most 50 allowed' },
      { path: '/jobs/3/env', message: 'is 210 bytes; at most 50 allowed' },
    ]);
  });
  it('accepts an env of exactly the limit', () => {
    const env = { k: 'v'.repeat(10) };
    expect(oversizedEnvs([env], jsonBytes(env), pathOf)).toEqual([]);
    expect(oversizedEnvs([env], jsonBytes(env) - 1, pathOf)).toHaveLength(1);
  });
});

describe('tooManyJobs', () => {
  it.each([
    [0, 10, null],
    [10, 10, null],
    [11, 10, { path: '/body/jobs', message: 'holds 11 jobs; at most 10 per submission' }],
  ])('%i jobs with a limit of %i', (count, max, issue) => {
    expect(tooManyJobs(count, max, '/body/jobs')).toEqual(issue);
  });
});

describe('jsonTooDeep', () => {
  it.each([
    ['a job submission, 4 levels', '{"jobs":[{"env":{"A":"1"}}]}', 4, false],
    ['a job submission, 3 allowed', '{"jobs":[{"env":{"A":"1"}}]}', 3, true],
    ['3 nested arrays', '[[[]]]', 3, false],
    ['4 nested arrays', '[[[[]]]]', 3, true],
    ['brackets inside a string', '"[[[[[[[["', 1, false],
    ['an escaped backslash ending a string', '{"a":"\\\\"}', 1, false],
    ['an escaped quote inside a string', '{"a":"\\"[[[[[[["}', 1, false],
    ['a million [', '['.repeat(1_000_000), 32, true],
    ['100,000 flat arrays', '[1],'.repeat(100_000), 1, false],
  ])('%s', (_name, text, max, expected) => {
    expect(jsonTooDeep(text, max)).toBe(expected);
  });
});
