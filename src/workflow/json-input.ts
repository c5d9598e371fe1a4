// Small helpers shared by the fileinfo and jobinfo parsers: JSON text or object input, and
// JSON-pointer paths for issue reports.

import { describe, type FieldIssue } from '../core/index.ts';

/** A JSON pointer from segments, escaping `~` and `/` inside them. */
export function pointer(...segments: string[]): string {
  return segments.map((s) => `/${s.replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

/**
 * An object given directly or as JSON text; undefined (with an issue) when it is neither.
 * `what` describes the accepted forms for the message.
 */
export function objectInput(
  input: unknown,
  path: string,
  issues: FieldIssue[],
  what: string,
): Record<string, unknown> | undefined {
  let value = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch (error) {
      issues.push({ path, message: `must be ${what}; it is not valid JSON (${(error as Error).message})` });
      return undefined;
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    issues.push({ path, message: `must be ${what}, got ${describe(value)}` });
    return undefined;
  }
  return value as Record<string, unknown>;
}
