// The Idempotency-Key header of a submission (POST /api/v1/jobs, POST /api/v1/workflows): a client
// that lost the answer sends the same request with the same key again and gets the first answer,
// nothing created twice (store/idempotency-queries.ts). Keys belong to the principal that sent them.

import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DEFAULTS, ValidationError } from '../core/index.ts';
import type { IdempotencyKey } from '../store/index.ts';
import { principalOf } from './auth/auth-guard.ts';

export const IDEMPOTENCY_HEADER = 'idempotency-key';
/** Set on an answer that repeats the first one for its key. */
export const REPLAYED_HEADER = 'idempotent-replayed';
/** Visible ASCII, as UUIDs and the like are. */
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/** The request's key, or undefined without the header; a malformed key is a 400. */
export function idempotencyKeyOf(
  request: FastifyRequest,
  what: IdempotencyKey['request'],
  now: number,
): IdempotencyKey | undefined {
  const raw = request.headers[IDEMPOTENCY_HEADER];
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || !KEY_PATTERN.test(raw)) {
    const message = 'must be one key of 1-255 visible ASCII characters (a UUID, for example)';
    throw new ValidationError(`/headers/${IDEMPOTENCY_HEADER}: ${message}`, [
      { path: `/headers/${IDEMPOTENCY_HEADER}`, message },
    ]);
  }
  return {
    owner: principalOf(request).name,
    key: raw,
    request: what,
    fingerprint: createHash('sha256')
      .update(JSON.stringify(request.body ?? null))
      .digest('hex'),
    now,
    expiresAt: now + DEFAULTS.idempotencyKeySeconds * 1000,
  };
}

/** Marks an answer that repeats the first one for its key. */
export function markReplayed(reply: FastifyReply): void {
  reply.header(REPLAYED_HEADER, 'true');
}
