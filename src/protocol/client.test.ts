import { describe, expect, it } from 'vitest';
import { describeCause, NetworkError } from './client.ts';

/** What fetch rejects with: TypeError('fetch failed') around the socket's error. */
function fetchFailed(code: string, message: string): Error {
  return new TypeError('fetch failed', { cause: Object.assign(new Error(message), { code }) });
}

describe('describeCause', () => {
  it('says a certificate was not trusted and how to trust it', () => {
    const self = describeCause(fetchFailed('DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed certificate'));
    expect(self).toEqual({
      reason:
        'certificate verify failed: self-signed certificate (give --ca-file or P3S_CA_FILE with the CA that signed it)',
      certificate: true,
    });
    expect(
      describeCause(fetchFailed('UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'unable to verify')).certificate,
    ).toBe(true);
  });

  it('says a certificate is wrong without suggesting a CA file', () => {
    const expired = describeCause(fetchFailed('CERT_HAS_EXPIRED', 'certificate has expired'));
    expect(expired).toEqual({
      reason: 'certificate verify failed: certificate has expired',
      certificate: true,
    });
    expect(
      describeCause(fetchFailed('ERR_TLS_CERT_ALTNAME_INVALID', 'Hostname/IP does not match')).reason,
    ).not.toContain('--ca-file');
  });

  it('keeps the other reasons short', () => {
    expect(describeCause(fetchFailed('ECONNREFUSED', 'connect ECONNREFUSED'))).toEqual({
      reason: 'connection refused (is the server running?)',
      certificate: false,
    });
    expect(describeCause(fetchFailed('ERR_SSL_WRONG_VERSION_NUMBER', 'wrong version')).reason).toContain(
      'plain http://',
    );
    expect(describeCause(fetchFailed('ECONNRESET', 'read ECONNRESET')).reason).toBe('ECONNRESET');
    expect(describeCause(new DOMException('timed out', 'TimeoutError')).reason).toBe('request timed out');
    expect(describeCause('boom')).toEqual({ reason: 'boom', certificate: false });
  });

  it('is what a NetworkError carries', () => {
    const error = new NetworkError(
      'https://p3s:7878',
      fetchFailed('SELF_SIGNED_CERT_IN_CHAIN', 'self-signed'),
    );
    expect(error.certificate).toBe(true);
    expect(error.message).toMatch(
      /^cannot reach the p3s server at https:\/\/p3s:7878: certificate verify failed/,
    );
  });
});
