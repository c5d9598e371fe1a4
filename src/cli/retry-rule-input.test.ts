import { describe, expect, it } from 'vitest';
import { flagOfPath, numberArg, retryRuleBody } from './retry-rule-input.ts';

describe('retryRuleBody', () => {
  it('sends only the flags given', () => {
    expect(retryRuleBody('plain', { action: 'retry' })).toEqual({
      name: 'plain',
      match: {},
      action: 'retry',
    });
  });

  it('maps every flag to its field', () => {
    expect(
      retryRuleBody('all', {
        action: 'increase_memory',
        error: 'memory_exceeded',
        exitCode: 0,
        signal: 'SIGKILL',
        diag: 'oom',
        jobType: 'reco',
        site: 'cern',
        maxAttempts: 4,
        delay: 0,
        delayFactor: 2,
        factor: 1.5,
        cap: 8000,
        logOnly: true,
      }),
    ).toEqual({
      name: 'all',
      match: {
        errorName: 'memory_exceeded',
        exitCode: 0,
        signal: 'SIGKILL',
        diagPattern: 'oom',
        jobType: 'reco',
        site: 'cern',
      },
      action: 'increase_memory',
      maxAttempts: 4,
      delaySeconds: 0,
      delayFactor: 2,
      factor: 1.5,
      cap: 8000,
      logOnly: true,
    });
  });
});

describe('flagOfPath', () => {
  it.each([
    ['/body/match/diagPattern', '--diag'],
    ['/body/delaySeconds', '--delay'],
    ['/body/name', 'NAME'],
    ['/body', ''],
    ['/body/match/other', '/match/other'],
  ])('%s → %s', (path, flag) => {
    expect(flagOfPath(path)).toBe(flag);
  });
});

describe('numberArg', () => {
  it('takes fractions and refuses words', () => {
    expect(numberArg('1.5')).toBe(1.5);
    expect(() => numberArg('fast')).toThrow('expected a number, got "fast"');
    expect(() => numberArg('')).toThrow();
  });
});
