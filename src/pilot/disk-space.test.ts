import { describe, expect, it } from 'vitest';
import { describeShortage, diskShortage, isDiskFullError } from './disk-space.ts';

const dirs = [
  { path: '/w', what: 'work dir' as const },
  { path: '/j', what: 'job log dir' as const },
];

describe('diskShortage', () => {
  it.each([
    [{ '/w': 10 << 20, '/j': 10 << 20 }, null],
    [{ '/w': 100, '/j': 10 << 20 }, '/w'],
    [{ '/w': 10 << 20, '/j': 0 }, '/j'],
    [{ '/w': undefined, '/j': 10 << 20 }, null],
  ] as const)('%o → %s', (free, expected) => {
    const shortage = diskShortage(dirs, 1 << 20, (path) => free[path as '/w' | '/j']);
    expect(shortage?.path ?? null).toBe(expected);
  });

  it('names the directory, what it is for and the space in a line', () => {
    const shortage = diskShortage(dirs, 16 << 20, () => 0);
    expect(shortage && describeShortage(shortage)).toBe(
      "the pilot's work dir /w is full: 0 B free, 16 MiB needed to take jobs",
    );
  });
});

describe('isDiskFullError', () => {
  it.each([
    ['ENOSPC', true],
    ['EDQUOT', true],
    ['EACCES', false],
  ])('%s → %s', (code, expected) => {
    expect(isDiskFullError(Object.assign(new Error(code), { code }))).toBe(expected);
  });
});
