import { InvalidArgumentError } from '@commander-js/extra-typings';
import { describe, expect, it } from 'vitest';
import {
  bytesArg,
  collectEnvAssignment,
  collectEnvName,
  collectId,
  intArg,
  jobStatesArg,
  listArg,
  parseEnvAssignment,
  parseWhen,
  secondsArg,
  uuidArg,
} from './args.ts';
import { adjustBody } from './commands/job-control.ts';
import { CliError } from './errors.ts';

describe('--env NAME=value', () => {
  it('splits at the first = and keeps the rest of the value', () => {
    expect(parseEnvAssignment('A=1')).toEqual(['A', '1']);
    expect(parseEnvAssignment('URL=a=b&c=d')).toEqual(['URL', 'a=b&c=d']);
    expect(parseEnvAssignment('EMPTY=')).toEqual(['EMPTY', '']);
    expect(parseEnvAssignment('_x9=y z')).toEqual(['_x9', 'y z']);
  });

  it('rejects what is not an assignment to a variable name', () => {
    for (const bad of ['A', '=1', '1A=2', 'A-B=1', 'A B=1']) {
      expect(() => parseEnvAssignment(bad), bad).toThrow(InvalidArgumentError);
    }
  });

  it('accumulates repeated flags in order', () => {
    expect(collectEnvAssignment('B=2', collectEnvAssignment('A=1'))).toEqual([
      ['A', '1'],
      ['B', '2'],
    ]);
    expect(collectEnvName('B', collectEnvName('A'))).toEqual(['A', 'B']);
    expect(() => collectEnvName('not a name')).toThrow(InvalidArgumentError);
  });
});

describe('adjustBody', () => {
  it('builds the PATCH body, unset variables as null', () => {
    expect(adjustBody({ priority: 5, env: [['A', '1']], unsetEnv: ['B'], state: 'template' })).toEqual({
      priority: 5,
      env: { A: '1', B: null },
      state: 'template',
    });
    expect(adjustBody({ timelimit: 60 })).toEqual({ timelimit: 60 });
  });

  it('refuses no change, and setting and unsetting the same variable, as usage errors', () => {
    expect(() => adjustBody({})).toThrow(CliError);
    expect(() => adjustBody({ env: [['A', '1']], unsetEnv: ['A'] })).toThrow(
      expect.objectContaining({ exitCode: 2, message: '--env and --unset-env both name A' }),
    );
  });
});

describe('value parsers', () => {
  it('checks whole numbers and their range', () => {
    expect(intArg(0)('3')).toBe(3);
    expect(() => intArg(1)('0')).toThrow(/from 1/);
    expect(() => intArg(0)('1.5')).toThrow(/whole number/);
    expect(() => intArg(0)('x')).toThrow(InvalidArgumentError);
  });

  it('checks seconds', () => {
    expect(secondsArg(0)('0.5')).toBe(0.5);
    expect(() => secondsArg(0, true)('0')).toThrow(/more than 0/);
    expect(() => secondsArg(0)('')).toThrow(InvalidArgumentError);
  });

  it('splits lists, checks states and ids', () => {
    expect(listArg('a, b,,c,')).toEqual(['a', 'b', 'c']);
    expect(jobStatesArg('failed, cancelled')).toBe('failed,cancelled');
    expect(() => jobStatesArg('failed,done')).toThrow(/unknown job state "done"/);
    expect(collectId('4', collectId('3'))).toEqual([3, 4]);
    expect(() => collectId('x')).toThrow(InvalidArgumentError);
    expect(() => collectId('0')).toThrow(InvalidArgumentError);
  });
});

describe('sizes in bytes', () => {
  it.each([
    ['65536', 65_536],
    ['64k', 65_536],
    ['64KiB', 65_536],
    ['64 kb', 65_536],
    ['16M', 16 * 1024 ** 2],
    ['16MiB', 16 * 1024 ** 2],
    ['1GiB', 1024 ** 3],
    ['2048B', 2048],
  ])('%s → %d', (value, expected) => {
    expect(bytesArg(1)(value)).toBe(expected);
  });

  it.each(['', '1.5M', '-1', '10 TB', 'lots', '16 M i B'])('refuses "%s"', (value) => {
    expect(() => bytesArg(1)(value)).toThrow(InvalidArgumentError);
  });

  it('keeps to its bounds', () => {
    expect(() => bytesArg(1024)('1000')).toThrow(/from 1024/);
    expect(bytesArg(1024)('1k')).toBe(1024);
    expect(() => bytesArg(1, 1024)('2k')).toThrow(InvalidArgumentError);
  });
});

describe('--since and --until times', () => {
  const now = new Date(2024, 4, 10, 12, 0, 0).getTime();
  it.each([
    ['30m', now - 30 * 60_000],
    ['2h', now - 7_200_000],
    ['1d12h', now - 36 * 3_600_000],
    ['2024-05-01', new Date(2024, 4, 1).getTime()],
    ['2024-05-01 14:30', new Date(2024, 4, 1, 14, 30).getTime()],
    ['2024-05-01T14:30:15', new Date(2024, 4, 1, 14, 30, 15).getTime()],
    ['2024-05-01T12:00:00Z', Date.UTC(2024, 4, 1, 12)],
    ['2024-05-01T12:00:00+02:00', Date.UTC(2024, 4, 1, 10)],
  ])('%s', (text, ms) => {
    expect(parseWhen(text, now)).toEqual({ ok: true, ms });
  });
  it.each(['yesterday', '30', '2024-02-31', '2024-05-01 25:00', '', '1y'])('refuses %j', (text) => {
    const parsed = parseWhen(text, now);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok && text !== '30') expect(parsed.message).toMatch(/30m.*2024-05-01/);
  });
});

describe('uuidArg', () => {
  it.each(['3f2c-11', 'pilot.node1:7', 'a..b'])('accepts %s', (value) => {
    expect(uuidArg(value)).toBe(value);
  });
  it.each(['.', '..', 'a/b', '', 'x'.repeat(65)])('refuses %j (a path, or not a name)', (value) => {
    expect(() => uuidArg(value)).toThrow(InvalidArgumentError);
  });
});
