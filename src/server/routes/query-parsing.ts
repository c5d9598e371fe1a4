// Parsing of comma-separated query values shared by the list routes.

import { ValidationError } from '../../core/errors.ts';

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
