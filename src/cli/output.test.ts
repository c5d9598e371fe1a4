import { describe, expect, it } from 'vitest';
import {
  colorEnabled,
  formatAgo,
  formatBytes,
  formatDuration,
  formatShortTime,
  formatTime,
  Output,
  renderTable,
  truncate,
} from './output.ts';

const ESC = '\x1b[';

function capture(isTTY: boolean) {
  let text = '';
  return { stream: { isTTY, write: (s: string) => (text += s) }, text: () => text };
}

describe('colour', () => {
  it('is on only for a terminal, and never with NO_COLOR', () => {
    expect(colorEnabled({ isTTY: true }, {})).toBe(true);
    expect(colorEnabled({ isTTY: false }, {})).toBe(false);
    expect(colorEnabled({}, {})).toBe(false);
    expect(colorEnabled({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(colorEnabled({ isTTY: true }, { NO_COLOR: '' })).toBe(false);
    expect(colorEnabled({ isTTY: true }, { NO_COLOR: '1', FORCE_COLOR: '1' })).toBe(false);
    expect(colorEnabled({ isTTY: false }, { FORCE_COLOR: '1' })).toBe(true);
    expect(colorEnabled({ isTTY: true }, { TERM: 'dumb' })).toBe(false);
  });

  it('writes plain tables and states when not on a terminal', () => {
    const out = capture(false);
    const o = new Output({ stdout: out.stream, env: {} });
    o.table(['ID', 'STATE'], [[1, o.jobState('failed')]]);
    expect(out.text()).not.toContain(ESC);
    expect(out.text()).toBe('ID  STATE\n1   failed\n');
  });

  it('colours states on a terminal, and not with NO_COLOR', () => {
    const tty = new Output({ stdout: capture(true).stream, env: {} });
    expect(tty.jobState('failed')).toContain(ESC);
    expect(tty.jobState('finished')).not.toBe(tty.jobState('failed'));
    expect(tty.jobState('defined')).toBe('defined');
    expect(tty.pilotState('lost')).toContain(ESC);
    const noColor = new Output({ stdout: capture(true).stream, env: { NO_COLOR: '1' } });
    expect(noColor.jobState('failed')).toBe('failed');
  });

  it('prints JSON on stdout and remarks on stderr', () => {
    const out = capture(false);
    const err = capture(false);
    const o = new Output({ json: true, stdout: out.stream, stderr: err.stream, env: {} });
    o.data({ id: 3 });
    o.note('progress');
    expect(JSON.parse(out.text())).toEqual({ id: 3 });
    expect(err.text()).toBe('progress\n');
  });
});

describe('renderTable', () => {
  it('aligns columns with two spaces, right-aligns numbers on request, leaves no trailing blanks', () => {
    const colors = new Output({ stdout: capture(false).stream, env: {} }).colors;
    const text = renderTable(
      ['ID', 'NAME', 'X'],
      [
        [7, 'hello', ''],
        [12, 'a', 'b'],
      ],
      colors,
      { alignRight: [0] },
    );
    expect(text.split('\n')).toEqual(['ID  NAME   X', ' 7  hello', '12  a      b']);
  });
});

describe('human formats', () => {
  it('formats durations', () => {
    expect(formatDuration(3210)).toBe('3.2s');
    expect(formatDuration(42_000)).toBe('42s');
    expect(formatDuration(312_000)).toBe('5m12s');
    expect(formatDuration(302_000)).toBe('5m02s');
    expect(formatDuration(2 * 3600_000 + 180_000)).toBe('2h03m');
    expect(formatDuration(3 * 86_400_000 + 4 * 3600_000)).toBe('3d04h');
    expect(formatDuration(-5)).toBe('0ms');
    expect(formatDuration(45.4)).toBe('45ms');
  });

  it('formats sizes', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(12 * 1024 * 1024)).toBe('12 MiB');
  });

  it('formats local times, short for today', () => {
    const now = new Date(2024, 4, 1, 14, 3, 7).getTime();
    expect(formatTime(now)).toBe('2024-05-01 14:03:07');
    expect(formatShortTime(now - 60_000, now)).toBe('14:02:07');
    expect(formatShortTime(new Date(2024, 3, 30, 9, 5).getTime(), now)).toBe('2024-04-30 09:05');
    expect(formatAgo(now - 12_000, now)).toBe('12s ago');
    expect(formatAgo(now + 12_000, now)).toBe('in 12s');
  });

  it('truncates on one line', () => {
    expect(truncate('abc', 5)).toBe('abc');
    expect(truncate('abcdefgh', 5)).toBe('abcd…');
    expect(truncate('a\n  b', 10)).toBe('a b');
  });
});
