// Wire shapes of automatic retry rules (core/retry-rules.ts): a rule as an admin writes it (omitted
// match fields match anything, omitted settings take their defaults) and as the server stores it.

import { type Static, Type } from 'typebox';
import { JOB_ERRORS, type JobErrorName } from '../../core/job-errors.ts';
import { RETRY_ACTIONS, type RetryRuleSpec } from '../../core/retry-rules.ts';
import { Id, Millis, NullableInteger, NullableNumber, NullableString } from './common.ts';

export const JOB_ERROR_NAMES = Object.keys(JOB_ERRORS) as JobErrorName[];

/**
 * An optional field that may also be null, as one JSON type list rather than a union: the server's
 * ajv coerces types, and in a union its null branch would take a bad 0 or "" as null, silently.
 */
function orNull<T>(schema: { type: string } & Record<string, unknown>) {
  return Type.Optional(Type.Unsafe<T | null>({ ...schema, type: [schema.type, 'null'] }));
}

/** What a rule matches on; an omitted or null field matches anything. */
export const RetryMatchBody = Type.Object(
  {
    errorName: orNull<JobErrorName>({
      type: 'string',
      enum: [...JOB_ERROR_NAMES, null],
      description: 'an error name of docs/reference/errors.md',
    }),
    exitCode: orNull<number>({ type: 'integer', minimum: -2_147_483_648, maximum: 2_147_483_647 }),
    signal: orNull<string>({ type: 'string', minLength: 1, maxLength: 32, description: 'e.g. SIGKILL' }),
    diagPattern: orNull<string>({
      type: 'string',
      minLength: 1,
      maxLength: 500,
      description: "a regular expression searched for in the failure's diagnostic",
    }),
    jobType: orNull<string>({ type: 'string', minLength: 1, maxLength: 64 }),
    site: orNull<string>({ type: 'string', minLength: 1, maxLength: 64 }),
  },
  { additionalProperties: false },
);

/** POST /api/v1/retry-rules: a rule as an admin writes it. */
export const AddRetryRuleBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    match: Type.Optional(RetryMatchBody),
    action: Type.Enum(RETRY_ACTIONS),
    /** Attempts in all, the first included (default 3; 1 for no_retry). */
    maxAttempts: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    delaySeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 86_400 })),
    delayFactor: Type.Optional(Type.Number({ minimum: 1, maximum: 10 })),
    factor: orNull<number>({ type: 'number', exclusiveMinimum: 1, maximum: 100 }),
    cap: orNull<number>({ type: 'integer', minimum: 1, maximum: 2_147_483_647 }),
    logOnly: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type AddRetryRuleBody = Static<typeof AddRetryRuleBody>;

/** The rule a body asks for, with every omitted field at its default. */
export function retryRuleSpecOf(body: AddRetryRuleBody): RetryRuleSpec {
  const match = body.match ?? {};
  return {
    name: body.name,
    match: {
      errorName: match.errorName ?? null,
      exitCode: match.exitCode ?? null,
      signal: match.signal ?? null,
      diagPattern: match.diagPattern ?? null,
      jobType: match.jobType ?? null,
      site: match.site ?? null,
    },
    action: body.action,
    maxAttempts: body.maxAttempts ?? (body.action === 'no_retry' ? 1 : 3),
    delaySeconds: body.delaySeconds ?? 0,
    delayFactor: body.delayFactor ?? 1,
    factor: body.factor ?? null,
    cap: body.cap ?? null,
    logOnly: body.logOnly ?? false,
  };
}

export const RetryRuleSchema = Type.Object({
  id: Id,
  name: Type.String(),
  match: Type.Object({
    errorName: NullableString,
    exitCode: NullableInteger,
    signal: NullableString,
    diagPattern: NullableString,
    jobType: NullableString,
    site: NullableString,
  }),
  action: Type.Enum(RETRY_ACTIONS),
  maxAttempts: Type.Integer(),
  delaySeconds: Type.Integer(),
  delayFactor: Type.Number(),
  factor: NullableNumber,
  cap: NullableInteger,
  logOnly: Type.Boolean(),
  createdAt: Millis,
  createdBy: Type.String(),
});
export type RetryRuleWire = Static<typeof RetryRuleSchema>;

export const RetryRuleReply = Type.Object({ rule: RetryRuleSchema });
export const RetryRuleList = Type.Object({ rules: Type.Array(RetryRuleSchema) });
export type RetryRuleList = Static<typeof RetryRuleList>;
export const DeletedReply = Type.Object({ deleted: Type.Literal(true) });

/** A rule by its id (digits) or its name. */
export const RetryRuleParams = Type.Object(
  { rule: Type.String({ minLength: 1, maxLength: 200 }) },
  { additionalProperties: false },
);
