import { describe, expect, it } from 'vitest';
import { formatBytes, formatCpu, formatDuration, isoTime, plural, shortId } from './format.ts';

describe('monitor formatting', () => {
  it.each([
    [400, '0.4 s'],
    [12_400, '12 s'],
    [185_000, '3m 05s'],
    [7_380_000, '2h 03m'],
    [273_600_000, '3d 04h'],
    [-1, '—'],
  ])('duration %d ms → %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('formats sizes, cpu, ids and counts', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(20 * 1024 * 1024)).toBe('20 MiB');
    expect(formatCpu(null)).toBe('—');
    expect(formatCpu(1.234)).toBe('1.23 s');
    expect(shortId('0b9c1f0e-9a7e-4d55')).toBe('0b9c1f0e');
    expect(plural(1, 'job')).toBe('1 job');
    expect(plural(1200, 'job')).toBe('1,200 jobs');
    expect(isoTime(Date.UTC(2026, 10, 21, 20, 10, 15, 853))).toBe('2026-11-21T20:10:15Z');
  });
});
