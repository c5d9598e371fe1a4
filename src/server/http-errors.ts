// Maps every error a request can raise to the one JSON error body and an HTTP status.
// Client mistakes are 4xx with the field path; only genuinely unexpected failures are 500.

import type { FastifyError } from 'fastify';
import { type ApiErrorCode, isAppError } from '../core/errors.ts';
import { type ErrorBody, patternMeaning } from '../protocol/schemas/common.ts';

export const HTTP_STATUS: Record<ApiErrorCode, number> = {
  validation_failed: 400,
  invalid_json: 400,
  not_found: 404,
  invalid_transition: 409,
  already_exists: 409,
  lease_lost: 409,
  pilot_unknown: 404,
  payload_too_large: 413,
  unsupported_media_type: 415,
  route_not_found: 404,
  schema_too_new: 500,
  store_unavailable: 503,
  unauthorized: 401,
  forbidden: 403,
  too_many_requests: 429,
  cross_site_refused: 403,
  idempotency_key_reused: 422,
  internal: 500,
};

export interface MappedError {
  status: number;
  body: ErrorBody;
}

function body(
  code: ApiErrorCode | string,
  message: string,
  details: ErrorBody['error']['details'] = [],
): ErrorBody {
  return { error: { code, message, details } };
}

/** Turns anything thrown by a handler, a hook or Fastify itself into a status and error body. */
export function mapError(error: unknown): MappedError {
  if (isAppError(error)) {
    return { status: HTTP_STATUS[error.code], body: body(error.code, error.message, error.details) };
  }
  const fe = error as FastifyError & { validationContext?: string };
  if (Array.isArray(fe.validation)) {
    const where = fe.validationContext ?? 'body';
    const details = fe.validation.map((v) => ({
      path: `/${where}${v.instancePath ?? ''}`,
      message: describeAjvIssue(v as { message?: string; params?: Record<string, unknown> }),
    }));
    const first = details[0];
    return {
      status: 400,
      body: body('validation_failed', first ? `${first.path}: ${first.message}` : 'invalid request', details),
    };
  }
  switch (fe.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return {
        status: 413,
        body: body('payload_too_large', 'request body is larger than the server accepts'),
      };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 415, body: body('unsupported_media_type', 'request body must be application/json') };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return {
        status: 400,
        body: body('invalid_json', 'request body is empty; send a JSON object such as {}'),
      };
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { status: 400, body: body('invalid_json', `request body is not valid JSON: ${fe.message}`) };
  }
  if (fe instanceof SyntaxError || (fe.statusCode === 400 && /JSON/i.test(fe.message))) {
    return { status: 400, body: body('invalid_json', `request body is not valid JSON: ${fe.message}`) };
  }
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return { status: fe.statusCode, body: body('validation_failed', fe.message) };
  }
  return { status: 500, body: body('internal', 'internal server error; see the server log') };
}

function describeAjvIssue(issue: { message?: string; params?: Record<string, unknown> }): string {
  const extra = issue.params?.additionalProperty;
  if (typeof extra === 'string') return `unknown field "${extra}"`;
  // A name's rule in words, not the regular expression behind it.
  const pattern = issue.params?.pattern;
  const meaning = typeof pattern === 'string' ? patternMeaning(pattern) : undefined;
  if (meaning !== undefined) return `must be ${meaning}`;
  return issue.message ?? 'is invalid';
}
