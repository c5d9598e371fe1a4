// Errors that cross module boundaries: a base class with a stable code from one
// registry. The server maps codes to HTTP statuses (server/http-errors.ts); core stays HTTP-free.

/** Every API error code p3s can return, with the one-line meaning shown in docs/reference/errors.md. */
export const API_ERRORS = {
  validation_failed:
    'The request (body, query or path) does not match its schema; `details` names each field.',
  invalid_json: 'The request body is not valid JSON.',
  not_found: 'The job, pilot or other object named in the request does not exist.',
  invalid_transition:
    'The object is in a state that does not allow the operation (e.g. deleting a running job).',
  already_exists: 'An object with this name already exists (a DAG: add it with --replace to overwrite it).',
  lease_lost: 'A pilot reported on a job it no longer holds (another attempt, or its lease expired).',
  pilot_unknown: 'The pilot is not registered (or was deregistered); it must register again.',
  payload_too_large: 'The request body or one of its parts is larger than the server accepts.',
  unsupported_media_type: 'The request body is not `application/json`.',
  route_not_found: 'No API route has this path.',
  schema_too_new: 'The database was migrated by a newer p3s; this version refuses to use it.',
  store_unavailable:
    'The database cannot be used right now (unreachable, restarting, disk full); nothing of the request was stored.',
  unauthorized:
    'The request has no token, or its token is unknown, revoked or expired; send `Authorization: Bearer <token>`.',
  forbidden:
    "The token is valid but its role or owner does not allow this (another user's job, a pilot reading jobs, a user purging).",
  too_many_requests:
    'A limit on concurrent requests was reached (e.g. a second claim long-poll for the same pilot); retry after `Retry-After` seconds.',
  idempotency_key_reused:
    'The Idempotency-Key was used before, within its lifetime, for a different request (another body or route); use a new key.',
  cross_site_refused:
    'A browser sent a state-changing request from another site or origin; the server refuses it (CSRF).',
  internal: 'An unexpected server error; the server log has the details.',
} as const;
export type ApiErrorCode = keyof typeof API_ERRORS;

/** One problem with one field of a request, as `path` (JSON pointer) and message. */
export interface FieldIssue {
  path: string;
  message: string;
}

/** Base error with a registered code. Never mutate another error's message: wrap it with `cause`. */
export class AppError extends Error {
  readonly code: ApiErrorCode;
  readonly details: FieldIssue[];
  constructor(code: ApiErrorCode, message: string, options?: { details?: FieldIssue[]; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.details = options?.details ?? [];
  }
}

export class ValidationError extends AppError {
  constructor(message: string, details: FieldIssue[] = []) {
    super('validation_failed', message, { details });
    this.name = 'ValidationError';
  }
}

export class NotFoundError extends AppError {
  constructor(what: string, id: string | number) {
    super('not_found', `${what} ${id} not found`);
    this.name = 'NotFoundError';
  }
}

export class InvalidTransitionError extends AppError {
  readonly from: string;
  readonly operation: string;
  constructor(what: string, id: string | number, from: string, operation: string, hint?: string) {
    super(
      'invalid_transition',
      `cannot ${operation} ${what} ${id}: it is ${from}${hint ? ` (${hint})` : ''}`,
    );
    this.name = 'InvalidTransitionError';
    this.from = from;
    this.operation = operation;
  }
}

export class AlreadyExistsError extends AppError {
  constructor(what: string, name: string, hint?: string) {
    super('already_exists', `${what} ${name} already exists${hint ? ` (${hint})` : ''}`);
    this.name = 'AlreadyExistsError';
  }
}

export class LeaseLostError extends AppError {
  constructor(jobId: number, reason: string) {
    super('lease_lost', `job ${jobId}: this pilot no longer holds it (${reason})`);
    this.name = 'LeaseLostError';
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(message: string, details: FieldIssue[] = []) {
    super('payload_too_large', message, { details });
    this.name = 'PayloadTooLargeError';
  }
}

export class UnauthorizedError extends AppError {
  constructor(message: string) {
    super('unauthorized', message);
    this.name = 'UnauthorizedError';
  }
}

export class ForbiddenError extends AppError {
  constructor(message: string) {
    super('forbidden', message);
    this.name = 'ForbiddenError';
  }
}

export class TooManyRequestsError extends AppError {
  /** Seconds the client should wait before trying again. */
  readonly retryAfter: number;
  constructor(message: string, retryAfter: number) {
    super('too_many_requests', message);
    this.name = 'TooManyRequestsError';
    this.retryAfter = retryAfter;
  }
}

export class IdempotencyKeyReusedError extends AppError {
  constructor(key: string, before: string, now: string) {
    super(
      'idempotency_key_reused',
      `Idempotency-Key "${key}" was already used for another request (${
        before === now ? `a different ${now} submission` : `a ${before} submission, this is a ${now} one`
      }); send the same request to get its answer again, or use a new key`,
      { details: [{ path: '/headers/idempotency-key', message: 'already used for a different request' }] },
    );
    this.name = 'IdempotencyKeyReusedError';
  }
}

export class SchemaTooNewError extends AppError {
  constructor(unknownMigrations: string[]) {
    super(
      'schema_too_new',
      `the database has migrations this p3s does not know (${unknownMigrations.join(', ')}): ` +
        'it was upgraded by a newer p3s. Upgrade p3s, or point it at another database.',
    );
    this.name = 'SchemaTooNewError';
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}

/** Normalises anything thrown into an Error, once, at the boundary that catches it. */
export function toError(value: unknown): Error {
  if (value instanceof Error) return value;
  return new Error(typeof value === 'string' ? value : JSON.stringify(value));
}
