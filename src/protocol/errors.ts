// What a failed API call throws: ApiError (the server answered with an error body) or
// NetworkError (no answer: refused, reset, timed out, certificate refused), so callers can choose to retry.

import type { ErrorBody } from './schemas/common.ts';

/** The server answered with an error status and body. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: { path: string; message: string }[];
  constructor(status: number, body: ErrorBody['error']) {
    super(body.message);
    this.name = 'ApiError';
    this.status = status;
    this.code = body.code;
    this.details = body.details;
  }
}

/** The server could not be reached or did not answer in time. */
export class NetworkError extends Error {
  readonly url: string;
  /** Why, in words: `connection refused (is the server running?)`, `certificate verify failed: …`. */
  readonly reason: string;
  /** The TLS handshake failed: the server's certificate was not trusted or did not fit. */
  readonly certificate: boolean;
  /** The socket's error code (`ECONNREFUSED`, `ECONNRESET`, …), when there was one. */
  readonly code: string | undefined;
  constructor(url: string, cause: unknown) {
    const { reason, certificate } = describeCause(cause);
    super(`cannot reach the p3s server at ${url}: ${reason}`, { cause });
    this.name = 'NetworkError';
    this.url = url;
    this.reason = reason;
    this.certificate = certificate;
    this.code = socketCode(cause);
  }
}

/** OpenSSL's verification failures that a CA file (`--ca-file`, `P3S_CA_FILE`) can fix. */
const UNTRUSTED_CERT_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_CHAIN_TOO_LONG',
]);
/** Verification failures a CA file does not fix: the certificate itself is wrong. */
const BAD_CERT_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'INVALID_CA',
  'INVALID_PURPOSE',
]);

type CodedError = Error & { code?: unknown; cause?: { code?: unknown; message?: unknown; name?: unknown } };

/** The socket error behind a failed request: node:http rejects with it, fetch wraps it as the cause. */
function socketError(cause: unknown): { code?: unknown; message?: unknown } | undefined {
  if (!(cause instanceof Error)) return undefined;
  const error = cause as CodedError;
  return typeof error.code === 'string' ? error : error.cause;
}

/** The socket error's code (`ECONNREFUSED`, …), if any. */
export function socketCode(cause: unknown): string | undefined {
  const code = socketError(cause)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** A readable reason for a failed request, and whether it was the server's certificate. */
export function describeCause(cause: unknown): { reason: string; certificate: boolean } {
  if (!(cause instanceof Error)) return { reason: String(cause), certificate: false };
  const error = cause as CodedError;
  // An aborted request carries the abort's reason; AbortSignal.timeout's is a TimeoutError.
  if (error.name === 'TimeoutError' || (error.name === 'AbortError' && error.cause?.name === 'TimeoutError'))
    return { reason: 'request timed out', certificate: false };
  if (error.name === 'AbortError') return { reason: 'request aborted', certificate: false };
  const source = socketError(cause);
  const code = socketCode(cause);
  const message = typeof source?.message === 'string' ? source.message : code;
  if (code === undefined) return { reason: cause.message, certificate: false };
  if (UNTRUSTED_CERT_CODES.has(code))
    return {
      // Newer Nodes add a hint about their --use-system-ca flag: ours, the CA file, is the one p3s takes.
      reason: `certificate verify failed: ${message?.replace(/; if the root CA is installed locally.*$/, '')} (give --ca-file or P3S_CA_FILE with the CA that signed it)`,
      certificate: true,
    };
  if (BAD_CERT_CODES.has(code)) return { reason: `certificate verify failed: ${message}`, certificate: true };
  if (code === 'ECONNREFUSED')
    return { reason: 'connection refused (is the server running?)', certificate: false };
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || code === 'ERR_SSL_PACKET_LENGTH_TOO_LONG')
    return {
      reason: `TLS handshake failed (${code}): is the server serving plain http://?`,
      certificate: false,
    };
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET')
    return { reason: `the server closed the connection (${message})`, certificate: false };
  return { reason: code, certificate: false };
}
