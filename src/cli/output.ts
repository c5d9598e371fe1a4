// Output for people and for programs: aligned tables, state colours (TTY only, never
// with NO_COLOR), human times and sizes; with --json, JSON on stdout and nothing else there.

import Table from 'cli-table3';
import pc from 'picocolors';

// Sizes read the same in the CLI and the monitor: one formatter in core.
export { formatBytes } from '../core/index.ts';

type Env = Record<string, string | undefined>;
export type Colors = ReturnType<typeof pc.createColors>;
export interface Stream {
  write(text: string): unknown;
  isTTY?: boolean;
}

/** Colour only on a terminal; NO_COLOR (any value) always wins, FORCE_COLOR forces it otherwise. */
export function colorEnabled(stream: { isTTY?: boolean }, env: Env = process.env): boolean {
  if ('NO_COLOR' in env && env.NO_COLOR !== undefined) return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false') return true;
  return stream.isTTY === true && env.TERM !== 'dumb';
}

const JOB_STATE_COLOR: Record<string, keyof Colors | undefined> = {
  dispatched: 'blue',
  running: 'cyan',
  finished: 'green',
  failed: 'red',
  cancelled: 'yellow',
};
const PILOT_STATE_COLOR: Record<string, keyof Colors | undefined> = {
  idle: 'green',
  running: 'cyan',
  stopped: 'dim',
  lost: 'red',
};

function paint(colors: Colors, name: keyof Colors | undefined, text: string): string {
  if (!name) return text;
  const fn = colors[name];
  return typeof fn === 'function' ? (fn as (s: string) => string)(text) : text;
}

export function colorJobState(colors: Colors, state: string): string {
  return paint(colors, JOB_STATE_COLOR[state], state);
}
export function colorPilotState(colors: Colors, state: string): string {
  return paint(colors, PILOT_STATE_COLOR[state], state);
}

const pad2 = (n: number) => String(n).padStart(2, '0');

/** `40ms`, `3.2s`, `42s`, `5m12s`, `2h03m`, `3d04h`. */
export function formatDuration(ms: number): string {
  const t = Math.max(0, ms);
  if (t < 1000) return `${Math.round(t)}ms`;
  if (t < 10_000) return `${(t / 1000).toFixed(1)}s`;
  const s = Math.floor(t / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${pad2(s % 60)}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h${pad2(Math.floor((s % 3600) / 60))}m`;
  return `${Math.floor(s / 86_400)}d${pad2(Math.floor((s % 86_400) / 3600))}h`;
}

/** Local time `2024-05-01 14:03:07`. */
export function formatTime(ms: number): string {
  const d = new Date(ms);
  return (
    `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ` +
    `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`
  );
}

/** Local time for tables: `14:03:07` today, `2024-05-01 14:03` otherwise. */
export function formatShortTime(ms: number, now = Date.now()): string {
  const full = formatTime(ms);
  return full.slice(0, 10) === formatTime(now).slice(0, 10) ? full.slice(11) : full.slice(0, 16);
}

/** `12s ago`, `in 5m02s`. */
export function formatAgo(ms: number, now = Date.now()): string {
  return ms <= now ? `${formatDuration(now - ms)} ago` : `in ${formatDuration(ms - now)}`;
}

/** Cuts `text` to `max` characters, marking the cut with `…`; line breaks become spaces. */
export function truncate(text: string, max: number): string {
  const flat = text.replace(/\s*\n\s*/g, ' ');
  return flat.length <= max ? flat : `${flat.slice(0, Math.max(0, max - 1))}…`;
}

const NO_BORDER = {
  top: '',
  'top-mid': '',
  'top-left': '',
  'top-right': '',
  bottom: '',
  'bottom-mid': '',
  'bottom-left': '',
  'bottom-right': '',
  left: '',
  'left-mid': '',
  mid: '',
  'mid-mid': '',
  right: '',
  'right-mid': '',
  middle: '  ',
};

/** Columns separated by two spaces, a (bold when coloured) header line, no trailing blanks. */
export function renderTable(
  head: string[],
  rows: (string | number)[][],
  colors: Colors,
  options: { alignRight?: number[] } = {},
): string {
  const table = new Table({
    head: head.map((h) => colors.bold(h)),
    chars: NO_BORDER,
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0 },
    colAligns: head.map((_, i) => (options.alignRight?.includes(i) ? 'right' : 'left')),
  });
  for (const row of rows) table.push(row.map((cell) => String(cell)));
  return table
    .toString()
    .split('\n')
    .map((line) => line.replace(/\s+$/, ''))
    .join('\n');
}

/** Where a command writes: people get text and colours, programs get JSON. */
export class Output {
  readonly json: boolean;
  readonly colors: Colors;
  readonly stdout: Stream;
  readonly stderr: Stream;

  constructor(options: { json?: boolean; stdout?: Stream; stderr?: Stream; env?: Env } = {}) {
    this.json = options.json ?? false;
    this.stdout = options.stdout ?? process.stdout;
    this.stderr = options.stderr ?? process.stderr;
    this.colors = pc.createColors(colorEnabled(this.stdout, options.env ?? process.env));
  }

  /** A line for people on stdout. */
  line(text = ''): void {
    this.stdout.write(`${text}\n`);
  }
  /** A remark on stderr (progress, warnings), so stdout stays clean for pipes and --json. */
  note(text: string): void {
    this.stderr.write(`${text}\n`);
  }
  data(value: unknown): void {
    this.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }
  table(head: string[], rows: (string | number)[][], options: { alignRight?: number[] } = {}): void {
    this.line(renderTable(head, rows, this.colors, options));
  }
  jobState(state: string): string {
    return colorJobState(this.colors, state);
  }
  pilotState(state: string): string {
    return colorPilotState(this.colors, state);
  }
  dim(text: string): string {
    return this.colors.dim(text);
  }
}
