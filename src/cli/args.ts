// Parsers for option and argument values. They throw commander's InvalidArgumentError,
// so a bad value is a usage error (exit 2) with commander's own message.

import { InvalidArgumentError } from '@commander-js/extra-typings';
import { parseDuration } from '../core/duration.ts';
import { JOB_STATES } from '../core/job-state.ts';
import { PILOT_STATES } from '../core/pilot-state.ts';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A whole number in [min, max]. */
export function intArg(min: number, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value) => {
    const n = /^\s*[-+]?\d+\s*$/.test(value) ? Number(value) : Number.NaN;
    if (!Number.isSafeInteger(n)) throw new InvalidArgumentError(`expected a whole number, got "${value}".`);
    if (n < min || n > max)
      throw new InvalidArgumentError(`expected a number from ${min} to ${max}, got ${n}.`);
    return n;
  };
}

/** A number of seconds (fractions allowed), at least `min` (and above it when `exclusive`), at most `max`. */
export function secondsArg(
  min: number,
  exclusive = false,
  max = Number.POSITIVE_INFINITY,
): (value: string) => number {
  return (value) => {
    const n = value.trim() === '' ? Number.NaN : Number(value);
    if (!Number.isFinite(n)) throw new InvalidArgumentError(`expected a number of seconds, got "${value}".`);
    if (exclusive ? n <= min : n < min) {
      throw new InvalidArgumentError(`must be ${exclusive ? 'more than' : 'at least'} ${min}, got ${n}.`);
    }
    if (n > max) throw new InvalidArgumentError(`must be at most ${max}, got ${n}.`);
    return n;
  };
}

/** A comma-separated list; blanks are dropped. */
export function listArg(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** Comma-separated job states, each checked, returned as the same comma list. */
export function jobStatesArg(value: string): string {
  return statesArg(value, JOB_STATES, 'job state');
}
export function pilotStatesArg(value: string): string {
  return statesArg(value, PILOT_STATES, 'pilot state');
}

function statesArg(value: string, allowed: readonly string[], what: string): string {
  const states = listArg(value);
  if (states.length === 0) throw new InvalidArgumentError(`expected one or more of: ${allowed.join(', ')}.`);
  for (const state of states) {
    if (!allowed.includes(state)) {
      throw new InvalidArgumentError(`unknown ${what} "${state}" (one of: ${allowed.join(', ')}).`);
    }
  }
  return states.join(',');
}

/** `NAME=value` (the value may hold `=` or be empty). */
export function parseEnvAssignment(value: string): [name: string, value: string] {
  const at = value.indexOf('=');
  if (at <= 0) throw new InvalidArgumentError(`expected NAME=value, got "${value}".`);
  const name = value.slice(0, at);
  if (!ENV_NAME.test(name)) {
    throw new InvalidArgumentError(
      `"${name}" is not a variable name (letters, digits and _, not starting with a digit).`,
    );
  }
  return [name, value.slice(at + 1)];
}

/** For repeatable `--env K=V`: accumulates the assignments in order. */
export function collectEnvAssignment(value: string, previous: [string, string][] = []): [string, string][] {
  return [...previous, parseEnvAssignment(value)];
}

/** For repeatable `--unset-env K`. */
export function collectEnvName(value: string, previous: string[] = []): string[] {
  if (!ENV_NAME.test(value)) throw new InvalidArgumentError(`"${value}" is not a variable name.`);
  return [...previous, value];
}

/** One id argument (a positive whole number). */
export function idArg(value: string): number {
  const n = /^\s*\d+\s*$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1)
    throw new InvalidArgumentError(`"${value}" is not an id (a positive whole number).`);
  return n;
}

/** For variadic id arguments: commander calls it once per value with the ids so far. */
export function collectId(value: string, previous: number[] = []): number[] {
  return [...previous, idArg(value)];
}

/** A pilot uuid as the server accepts it: 1-64 of letters, digits and `_.:-`. */
export function uuidArg(value: string): string {
  if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(value) || value === '.' || value === '..') {
    throw new InvalidArgumentError('expected 1-64 letters, digits, or the characters _ . : - (not . or ..)');
  }
  return value;
}

const BYTE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
};

/** A size in bytes, at least `min`: `65536`, `64k`, `64KiB`, `16M`, `1GiB` (units of 1024). */
export function bytesArg(min: number, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value) => {
    const match = /^\s*(\d+)\s*([a-z]*)\s*$/i.exec(value);
    const unit = BYTE_UNITS[(match?.[2] ?? '').toLowerCase()];
    if (!match || unit === undefined)
      throw new InvalidArgumentError(
        `expected a size in bytes such as 65536, 64KiB or 16MiB, got "${value}".`,
      );
    const n = Number(match[1]) * unit;
    if (!Number.isSafeInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(`expected a size from ${min} to ${max} bytes, got "${value}".`);
    return n;
  };
}

/** A duration such as `30d`, `12h`, `90m`, `45s`, in seconds. */
export function durationArg(value: string): number {
  const parsed = parseDuration(value);
  if (!parsed.ok) throw new InvalidArgumentError(`${parsed.message}.`);
  return parsed.seconds;
}

/** A duration of at least one second. */
export function positiveDurationArg(value: string): number {
  const seconds = durationArg(value);
  if (seconds < 1) throw new InvalidArgumentError('must be at least 1s.');
  return seconds;
}

const LOCAL_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$/;
const ZONED_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/i;

/**
 * A moment as epoch ms: a duration ago (`30m`, `2h`, `7d`), a local date or time
 * (`2024-05-01`, `2024-05-01 14:30`), or an ISO time with its zone (`2024-05-01T12:30:00Z`).
 */
export function parseWhen(
  text: string,
  now: number,
): { ok: true; ms: number } | { ok: false; message: string } {
  const value = text.trim();
  const bad = {
    ok: false as const,
    message: `expected a time ago such as 30m, 2h or 7d, or a time such as 2024-05-01 or 2024-05-01 14:30, got "${text}"`,
  };
  if (/^(\d+[smhdw])+$/i.test(value)) {
    const parsed = parseDuration(value);
    return parsed.ok ? { ok: true, ms: now - parsed.seconds * 1000 } : { ok: false, message: parsed.message };
  }
  if (ZONED_TIME.test(value)) {
    const ms = Date.parse(value);
    return Number.isFinite(ms) ? { ok: true, ms } : bad;
  }
  const m = LOCAL_TIME.exec(value);
  if (!m) return bad;
  const [y, mo, d, h, mi, s] = m.slice(1).map((part) => Number(part ?? 0)) as number[];
  const date = new Date(y as number, (mo as number) - 1, d, h, mi, s);
  // new Date rolls 2024-02-31 over to March: refuse what does not read back the same.
  if (
    date.getMonth() !== (mo as number) - 1 ||
    date.getDate() !== d ||
    (h as number) > 23 ||
    (mi as number) > 59
  )
    return bad;
  return { ok: true, ms: date.getTime() };
}

/** A moment (see parseWhen) as epoch ms, for --since and --until. */
export function whenArg(value: string): number {
  const parsed = parseWhen(value, Date.now());
  if (!parsed.ok) throw new InvalidArgumentError(`${parsed.message}.`);
  return parsed.ms;
}

/** Most ids one `--ids` may name: a page of the job list. */
const MAX_LISTED_IDS = 1000;

/** `3,7-9` → `3,7,8,9`: job ids and ranges, as the API's comma list. */
export function idListArg(value: string): string {
  const ids: number[] = [];
  for (const part of listArg(value)) {
    const range = /^(\d+)-(\d+)$/.exec(part);
    const [from, to] = range
      ? [idArg(range[1] as string), idArg(range[2] as string)]
      : [idArg(part), idArg(part)];
    if (to < from) throw new InvalidArgumentError(`"${part}" is not a range: it ends before it starts.`);
    if (ids.length + to - from + 1 > MAX_LISTED_IDS)
      throw new InvalidArgumentError(
        `names more than ${MAX_LISTED_IDS} jobs; use --limit and --offset instead.`,
      );
    for (let id = from; id <= to; id++) ids.push(id);
  }
  if (ids.length === 0) throw new InvalidArgumentError('expected job ids such as 3,7-9.');
  return ids.join(',');
}
