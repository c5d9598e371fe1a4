// Output for people and for programs: aligned tables, state colours (TTY only, never
// with NO_COLOR), human times and sizes; with --json, JSON on stdout and nothing else there.
// Everything written goes through terminal-text: user text is shown, never obeyed by the terminal.

import { displayWidth, neutralise, pad, resolveStyles, safeJson, styled, truncate } from './terminal-text.ts';

// Sizes read the same in the CLI and the monitor: one formatter in core.
export { formatBytes } from '../core/index.ts';
export { truncate };

type Env = Record<string, string | undefined>;
/** SGR open and close codes of the styles the CLI uses. */
const STYLES = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  blue: [34, 39],
  cyan: [36, 39],
} as const;
export type Colors = Record<keyof typeof STYLES, (text: string) => string>;

/** Style functions: markers around the text (terminal-text), or the text itself without colour. */
export function createColors(enabled: boolean): Colors {
  const entries = Object.entries(STYLES).map(([name, [open, close]]) => [
    name,
    enabled ? (text: string) => styled(open, close, text) : (text: string) => text,
  ]);
  return Object.fromEntries(entries) as Colors;
}
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
  return name ? colors[name](text) : text;
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

/**
 * Columns separated by two spaces, a (bold when coloured) header line, no trailing blanks. Cells
 * are one line each, with control characters made visible; widths are display columns.
 */
export function renderTable(
  head: string[],
  rows: (string | number)[][],
  colors: Colors,
  options: { alignRight?: number[] } = {},
): string {
  const cells = [head, ...rows].map((row) =>
    row.map((cell) => neutralise(String(cell), { multiline: false })),
  );
  const widths = head.map((_, i) => Math.max(...cells.map((row) => displayWidth(row[i] ?? ''))));
  return cells
    .map((row, r) =>
      row
        .map((cell, i) =>
          pad(r === 0 ? colors.bold(cell) : cell, widths[i] ?? 0, options.alignRight?.includes(i)),
        )
        .join('  ')
        .replace(/\s+$/, ''),
    )
    .join('\n');
}

/** Where a command writes: people get text and colours, programs get JSON. */
export class Output {
  readonly json: boolean;
  readonly colors: Colors;
  readonly stdout: Stream;
  readonly stderr: Stream;
  readonly #color: boolean;

  constructor(options: { json?: boolean; stdout?: Stream; stderr?: Stream; env?: Env } = {}) {
    this.json = options.json ?? false;
    this.stdout = options.stdout ?? process.stdout;
    this.stderr = options.stderr ?? process.stderr;
    this.#color = colorEnabled(this.stdout, options.env ?? process.env);
    this.colors = createColors(this.#color);
  }

  /** Text as the terminal gets it: control characters visible, our styles as escape sequences. */
  #text(text: string): string {
    return resolveStyles(neutralise(text), this.#color);
  }
  /** A line for people on stdout. */
  line(text = ''): void {
    this.stdout.write(`${this.#text(text)}\n`);
  }
  /** A remark on stderr (progress, warnings), so stdout stays clean for pipes and --json. */
  note(text: string): void {
    this.stderr.write(`${this.#text(text)}\n`);
  }
  /** A progress line on a terminal's stderr, rewritten in place by the next one. */
  status(text: string): void {
    this.stderr.write(`\r\x1b[2K${this.#text(neutralise(text, { multiline: false }))}`);
  }
  /** Pretty JSON on stdout (one value). */
  data(value: unknown): void {
    this.stdout.write(`${safeJson(value, 2)}\n`);
  }
  /** One JSON value per line on stdout, for streams of events. */
  jsonLine(value: unknown): void {
    this.stdout.write(`${safeJson(value)}\n`);
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
