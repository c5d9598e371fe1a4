import { describe, expect, it } from 'vitest';
import { formatDurationText, parseDuration } from './duration.ts';

describe('parseDuration', () => {
  it.each([
    ['30d', 2_592_000],
    ['12h', 43_200],
    ['90m', 5400],
    ['45s', 45],
    ['2w', 1_209_600],
    ['1h30m', 5400],
    ['1d12h', 129_600],
    ['0s', 0],
    [' 7D ', 604_800],
  ])('reads %j as %d seconds', (text, seconds) => {
    expect(parseDuration(text)).toEqual({ ok: true, seconds });
  });

  it.each([
    ['', 'empty'],
    ['30', 'has no unit'],
    ['30x', 'a duration such as'],
    ['-5d', 'a duration such as'],
    ['1.5h', 'a duration such as'],
    ['d30', 'a duration such as'],
    ['30 d', 'a duration such as'],
    ['99999999999d', 'longer than ten years'],
  ])('refuses %j', (text, message) => {
    const result = parseDuration(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toContain(message);
  });
});

describe('formatDurationText', () => {
  it.each([
    [2_592_000, '30d'],
    [43_200, '12h'],
    [5400, '90m'],
    [45, '45s'],
    [3601, '3601s'],
    [0, '0s'],
  ])('writes %d seconds as %s', (seconds, text) => {
    expect(formatDurationText(seconds)).toBe(text);
  });
});
