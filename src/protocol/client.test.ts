import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError, describeCause, NetworkError, P3sClient } from './client.ts';

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

  it("says the same on Node 24, without Node's own hint about its --use-system-ca flag", () => {
    const node24 =
      'self-signed certificate; if the root CA is installed locally, try running Node.js with --use-system-ca';
    expect(describeCause(fetchFailed('DEPTH_ZERO_SELF_SIGNED_CERT', node24)).reason).toBe(
      'certificate verify failed: self-signed certificate (give --ca-file or P3S_CA_FILE with the CA that signed it)',
    );
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
    expect(describeCause(fetchFailed('ECONNRESET', 'read ECONNRESET')).reason).toBe(
      'the server closed the connection (read ECONNRESET)',
    );
    // node:http rejects with the socket's error itself, not wrapped.
    const direct = Object.assign(new Error('self-signed certificate'), {
      code: 'DEPTH_ZERO_SELF_SIGNED_CERT',
    });
    expect(describeCause(direct).certificate).toBe(true);
    expect(describeCause(Object.assign(new Error('x'), { code: 'EHOSTUNREACH' })).reason).toBe(
      'EHOSTUNREACH',
    );
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

describe('the transport, against real sockets', () => {
  let server: Server | undefined;
  const sockets = new Set<Socket>();
  afterEach(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    server = undefined;
  });
  /** A local HTTP server answering with `handler`; resolves to its URL. */
  async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
    server = createServer(handler);
    server.on('connection', (socket) => sockets.add(socket));
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it('sends JSON with the token and reuses one connection for several requests', async () => {
    const seen: { auth?: string; body: string }[] = [];
    const url = await serve((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        seen.push({ auth: req.headers.authorization, body });
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ status: 'ok', echo: body }));
      });
    });
    const client = new P3sClient({ server: url, token: 'p3s_x' });
    for (let i = 0; i < 3; i++) await client.request('POST', '/echo', { body: { i } });
    expect(seen).toEqual([0, 1, 2].map((i) => ({ auth: 'Bearer p3s_x', body: JSON.stringify({ i }) })));
    expect(sockets.size).toBe(1);
    client.close();
  });

  it("turns an error status into an ApiError with the server's code, or http_error without a body", async () => {
    const url = await serve((req, res) => {
      res.statusCode = req.url === '/coded' ? 409 : 502;
      res.end(
        req.url === '/coded'
          ? JSON.stringify({ error: { code: 'lease_lost', message: 'gone' } })
          : 'bad gateway',
      );
    });
    const client = new P3sClient({ server: url });
    await expect(client.request('GET', '/coded')).rejects.toMatchObject({ status: 409, code: 'lease_lost' });
    const plain = await client.request('GET', '/plain').catch((e: unknown) => e);
    expect(plain).toBeInstanceOf(ApiError);
    expect(plain).toMatchObject({ status: 502, code: 'http_error', message: 'HTTP 502 from /plain' });
  });

  it('says a refused connection, a timeout and a cut-off reply in words', async () => {
    const url = await serve((req, res) => {
      if (req.url === '/cut') {
        res.writeHead(200, { 'content-length': '100' });
        res.write('{"partial":');
        setTimeout(() => req.socket.destroy(), 20);
      }
      // '/silent' never answers
    });
    const client = new P3sClient({ server: url, timeoutMs: 300 });
    const timedOut = await client.request('GET', '/silent').catch((e: unknown) => e);
    expect(timedOut).toBeInstanceOf(NetworkError);
    expect((timedOut as NetworkError).reason).toBe('request timed out');
    const cut = await client.request('GET', '/cut').catch((e: unknown) => e);
    expect(cut).toBeInstanceOf(NetworkError);
    expect((cut as NetworkError).reason).toMatch(/^the server closed the connection/);
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server?.close(resolve));
    const refused = await client.request('GET', '/gone').catch((e: unknown) => e);
    expect((refused as NetworkError).reason).toBe('connection refused (is the server running?)');
    server = undefined;
  });

  it('stops at once when its caller aborts', async () => {
    const url = await serve(() => {});
    const client = new P3sClient({ server: url, timeoutMs: 60_000 });
    const stop = new AbortController();
    const pending = client.claim('p', 30, 1, stop.signal).catch((e: unknown) => e);
    setTimeout(() => stop.abort('SIGTERM'), 50);
    const error = await pending;
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as NetworkError).reason).toBe('request aborted');
  });
});
