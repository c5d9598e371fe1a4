// Shared wire shapes: the one error body, ids, timestamps, patterned names.

import { type Static, Type } from 'typebox';
import { MAX_READ_WAIT_SECONDS } from '../../core/defaults.ts';

const PATTERN_MEANINGS = new Map<string, string>();

/**
 * A string of 1-64 characters matching `pattern`. `meaning` says it in words: the server's
 * validation errors and the OpenAPI document use it instead of the regular expression.
 */
export function PatternString(pattern: string, meaning: string) {
  PATTERN_MEANINGS.set(pattern, meaning);
  return Type.String({ minLength: 1, maxLength: 64, pattern, description: meaning });
}

/** The words for a pattern made by PatternString. */
export function patternMeaning(pattern: string): string | undefined {
  return PATTERN_MEANINGS.get(pattern);
}

/** A long-polling read's `wait`: hold the answer until it says something new, for at most this many seconds. */
export const WaitSeconds = Type.Number({
  minimum: 0,
  maximum: MAX_READ_WAIT_SECONDS,
  description: 'seconds to hold the answer until it says something new (a long-poll); 0 or absent: at once',
});

/** Epoch milliseconds. */
export const Millis = Type.Integer({ minimum: 0, description: 'epoch milliseconds' });
export const NullableMillis = Type.Union([Millis, Type.Null()]);
export const NullableString = Type.Union([Type.String(), Type.Null()]);
export const NullableInteger = Type.Union([Type.Integer(), Type.Null()]);
export const NullableNumber = Type.Union([Type.Number(), Type.Null()]);
export const Id = Type.Integer({ minimum: 1, maximum: 9_007_199_254_740_991 });
/** A list offset: bounded so it always fits the databases' integers. */
export const Offset = Type.Integer({ minimum: 0, maximum: 2_147_483_647 });
export const IdParams = Type.Object({ id: Id }, { additionalProperties: false });
/**
 * A pilot uuid: letters, digits and `_.:-`, but not `.` or `..`, which a URL path or a file name
 * (its log, its cgroup) would take for a directory.
 */
export const UUID_PATTERN = '^(?!\\.{1,2}$)[A-Za-z0-9_.:-]+$';
export const Uuid = PatternString(UUID_PATTERN, 'letters, digits, _, ., : and - (1-64), not . or ..');
export const UuidParams = Type.Object({ uuid: Uuid }, { additionalProperties: false });
export const IdOrUuidParams = Type.Object({ id: Uuid }, { additionalProperties: false });
/** Site names (and a pilot token's site). */
export const SiteName = PatternString('^[A-Za-z0-9_.-]+$', 'letters, digits, _, . and - (1-64)');

/** The one error body every route returns with a 4xx/5xx status. */
export const ErrorBody = Type.Object({
  error: Type.Object({
    code: Type.String(),
    message: Type.String(),
    details: Type.Array(Type.Object({ path: Type.String(), message: Type.String() })),
  }),
});
export type ErrorBody = Static<typeof ErrorBody>;

export const OkBody = Type.Object({ ok: Type.Literal(true) });

export const Health = Type.Object({
  status: Type.Literal('ok'),
  version: Type.String(),
  store: Type.Union([Type.Literal('sqlite'), Type.Literal('postgres')]),
  startedAt: Millis,
  now: Millis,
});
export type Health = Static<typeof Health>;
