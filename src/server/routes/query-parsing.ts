// Parsing of comma-separated query values shared by the list routes.

import { ValidationError } from '../../core/errors.ts';
import { isJobErrorName, JOB_ERRORS } from '../../core/job-errors.ts';

/** Splits `a,b` into known states, naming any unknown one as a 400 on /querystring/state. */
export function parseStateList<S extends string>(
  text: string | undefined,
  isState: (value: string) => value is S,
  what: string,
): S[] | undefined {
  if (!text) return undefined;
  const states = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = states.filter((s) => !isState(s));
  if (unknown.length > 0) {
    throw new ValidationError(`unknown ${what} state ${unknown.join(', ')}`, [
      { path: '/querystring/state', message: `unknown state ${unknown.join(', ')}` },
    ]);
  }
  return states as S[];
}

/** Splits `1,2,3` (the schema checked its digits) into ids, naming an id too large for any job as a 400 on /querystring/ids. */
export function parseIdList(text: string): number[] {
  const ids = text.split(',').map(Number);
  const tooLarge = ids.find((id) => !Number.isSafeInteger(id));
  if (tooLarge !== undefined)
    throw new ValidationError(`job id ${text.split(',')[ids.indexOf(tooLarge)]} is too large`, [
      { path: '/querystring/ids', message: `ids must be at most ${Number.MAX_SAFE_INTEGER}` },
    ]);
  return ids;
}

/** A job error given by name (`exit_code`) or number (`1100`) → its name; unknown ones are a 400. */
export function parseErrorFilter(text: string | undefined): string | undefined {
  if (text === undefined || text === '') return undefined;
  const byNumber = /^\d+$/.test(text)
    ? Object.entries(JOB_ERRORS).find(([, info]) => info.code === Number(text))?.[0]
    : undefined;
  const name = byNumber ?? text;
  if (!isJobErrorName(name)) {
    throw new ValidationError(`unknown job error ${text}`, [
      {
        path: '/querystring/error',
        message: `not a job error name or number: ${Object.keys(JOB_ERRORS).join(', ')}`,
      },
    ]);
  }
  return name;
}
