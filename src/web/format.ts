// Plain formatting for the monitor: durations, sizes, ISO times and short ids. Local times are
// rendered by the browser (assets/monitor.js) from the ISO text, so pages show the viewer's zone.
// Sizes come from core, so the CLI and the monitor write them alike.

import { formatBytes } from '../core/index.ts';

export { formatBytes };

/** `2026-11-21T20:10:15Z` (no milliseconds): the text of a <time> before the browser localises it. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** 0.4 s, 12 s, 3m 05s, 2h 03m, 3d 04h. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  const s = ms / 1000;
  if (s < 10) return `${(Math.round(s * 10) / 10).toString()} s`;
  if (s < 60) return `${Math.round(s)} s`;
  const total = Math.round(s);
  const d = Math.floor(total / 86_400);
  const h = Math.floor((total % 86_400) / 3600);
  const m = Math.floor((total % 3600) / 60);
  const sec = total % 60;
  const two = (n: number) => String(n).padStart(2, '0');
  if (d > 0) return `${d}d ${two(h)}h`;
  if (h > 0) return `${h}h ${two(m)}m`;
  return `${m}m ${two(sec)}s`;
}

/** RSS given in KiB, as a size. */
export function formatKb(kb: number | null): string {
  return kb === null ? '—' : formatBytes(kb * 1024);
}

/** CPU seconds with sensible precision. */
export function formatCpu(seconds: number | null): string {
  if (seconds === null) return '—';
  return seconds < 10 ? `${seconds.toFixed(2)} s` : formatDuration(seconds * 1000);
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** The first 8 characters of a uuid: enough to tell pilots apart on screen. */
export function shortId(uuid: string): string {
  return uuid.length > 8 ? uuid.slice(0, 8) : uuid;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}
