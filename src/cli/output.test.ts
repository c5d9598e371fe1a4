import { describe, expect, it } from 'vitest';
import { ApiError } from '../protocol/client.ts';
import { reportError } from './errors.ts';
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
    const written = (env: Record<string, string>, text: (o: Output) => string) => {
      const out = capture(true);
      const o = new Output({ stdout: out.stream, env });
      o.line(text(o));
      return out.text().trimEnd();
    };
    expect(written({}, (o) => o.jobState('failed'))).toBe(`${ESC}31mfailed${ESC}39m`);
    expect(written({}, (o) => o.jobState('finished'))).toBe(`${ESC}32mfinished${ESC}39m`);
    expect(written({}, (o) => o.jobState('defined'))).toBe('defined');
    expect(written({}, (o) => o.pilotState('lost'))).toContain(ESC);
    expect(written({ NO_COLOR: '1' }, (o) => o.jobState('failed'))).toBe('failed');
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

describe('user text on a terminal', () => {
  // A job name as an attacker would write it: clear the screen, set the window title, hide the
  // rest of the line, move the cursor back with CR, and reverse what follows with U+202E.
  const evil = 'run\x1b[2J\x1b]0;pwned\x07\x1b[8mhidden\rfake\u202eexe.txt\x9b31m';

  it('shows control characters and bidi overrides as visible escapes, in tables, lines and errors', () => {
    for (const isTTY of [true, false]) {
      const out = capture(isTTY);
      const err = capture(isTTY);
      const o = new Output({ stdout: out.stream, stderr: err.stream, env: {} });
      o.table(['NAME', 'STATE'], [[evil, o.jobState('failed')]]);
      o.line(`job 1 ${JSON.stringify(evil)} ${o.jobState('failed')}`);
      o.note(`about ${evil}`);
      o.status(`progress of ${evil}`);
      reportError(
        new ApiError(404, { code: 'not_found', message: `no DAG ${evil}`, details: [] }),
        err.stream,
      );
      for (const text of [out.text(), err.text()]) {
        // Only the SGR colours we wrote (and the status line's own erase) reach the terminal.
        const stray = text
          .replaceAll(`${ESC}31m`, '')
          .replaceAll(`${ESC}39m`, '')
          .replaceAll(`${ESC}1m`, '')
          .replaceAll(`${ESC}22m`, '')
          .replaceAll(`\r${ESC}2K`, '');
        expect(stray).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/);
        expect(stray).toContain('run\\x1b[2J\\x1b]0;pwned\\x07\\x1b[8mhidden\\x0dfake\\u202eexe.txt\\x9b31m');
      }
    }
  });

  it('keeps newlines in lines but not in table cells', () => {
    const out = capture(false);
    const o = new Output({ stdout: out.stream, env: {} });
    o.line('two\nlines');
    o.table(['A', 'B'], [['x\ny', 'z']]);
    expect(out.text()).toBe('two\nlines\nA       B\nx\\x0ay  z\n');
  });

  it('writes JSON that parses to the same value, with terminal controls as \\u escapes', () => {
    const out = capture(true);
    const o = new Output({ json: true, stdout: out.stream, env: {} });
    o.data({ name: evil });
    o.jsonLine({ name: evil });
    expect(out.text()).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e]/);
    const [pretty, line] = [
      out.text().slice(0, out.text().indexOf('}\n') + 2),
      out.text().split('\n').at(-2),
    ];
    expect(JSON.parse(pretty)).toEqual({ name: evil });
    expect(JSON.parse(line as string)).toEqual({ name: evil });
  });

  it('aligns columns by display width: CJK and emoji take two columns, accents none', () => {
    const colors = new Output({ stdout: capture(false).stream, env: {} }).colors;
    const text = renderTable(
      ['NAME', 'X'],
      [
        ['日本語', 'a'],
        ['🚀🔥', 'b'],
        ['e\u0301te\u0301', 'c'],
        ['👩‍🔬 lab', 'd'],
        ['plain', 'e'],
      ],
      colors,
    );
    expect(text.split('\n')).toEqual([
      'NAME    X',
      '日本語  a',
      '🚀🔥    b',
      'e\u0301te\u0301     c',
      '👩‍🔬 lab  d',
      'plain   e',
    ]);
  });

  it('cuts long names by display width, never inside a character', () => {
    expect(truncate('🚀'.repeat(20), 10)).toBe(`${'🚀'.repeat(4)}…`);
    expect(truncate('日本語のジョブ名', 9)).toBe('日本語の…');
    expect(truncate('👩‍🔬👩‍🔬👩‍🔬', 5)).toBe('👩‍🔬👩‍🔬…');
    expect(truncate('short', 10)).toBe('short');
    expect(truncate('line one\n  line two', 40)).toBe('line one line two');
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
