// Request limits that keep one client from crowding out the others: how many jobs one submission
// may hold and how large one job's env may be. Pure checks; the server answers 413 with the field.

import type { FieldIssue } from './errors.ts';

export const LIMIT_DEFAULTS = {
  /** Largest request body, bytes (a 10,000-job submission of P3S-sized jobs is ~3 MB). */
  bodyBytes: 16 * 1024 * 1024,
  maxJobsPerSubmission: 10_000,
  /** A job's env as JSON; P3S envs are a few hundred bytes. */
  maxEnvBytes: 64 * 1024,
  /** Concurrent claim long-polls per token: each pilot holds one, so this bounds pilots per token. */
  maxClaimsPerToken: 1_000,
} as const;

/**
 * Deepest nesting of arrays and objects a request body may have. A job submission nests 4 levels, a
 * workflow's jobinfo 5; a body of 16 MiB of `[` would take seconds and gigabytes to parse.
 */
export const MAX_JSON_DEPTH = 32;

/** Whether JSON text nests arrays and objects deeper than `max`: a scan, no parse, stopping at the first level too deep. */
export function jsonTooDeep(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // a backslash escapes the next character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

const encoder = new TextEncoder();

/** Size of a value as UTF-8 JSON, which is how it travels and is stored. */
export function jsonBytes(value: unknown): number {
  return encoder.encode(JSON.stringify(value) ?? '').length;
}

/** One issue per env over the limit, at `<path of item i>/env`. */
export function oversizedEnvs(
  envs: readonly Record<string, string | null>[],
  maxBytes: number,
  pathOf: (index: number) => string,
): FieldIssue[] {
  const issues: FieldIssue[] = [];
  envs.forEach((env, index) => {
    const bytes = jsonBytes(env);
    if (bytes > maxBytes)
      issues.push({
        path: `${pathOf(index)}/env`,
        message: `is ${bytes} bytes; at most ${maxBytes} allowed`,
      });
  });
  return issues;
}

/** The issue when a submission holds more jobs than allowed, else null. */
export function tooManyJobs(count: number, max: number, path: string): FieldIssue | null {
  return count > max ? { path, message: `holds ${count} jobs; at most ${max} per submission` } : null;
}
