import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError, NetworkError, P3sClient } from './client.ts';
import { resendDelayMs, submitOutcome } from './resend.ts';

describe('submitOutcome', () => {
  it.each([
    [{ kind: 'answer', status: 503 }, 'unknown'],
    [{ kind: 'answer', status: 500 }, 'answered'],
    [{ kind: 'answer', status: 400 }, 'answered'],
    [{ kind: 'answer', status: 409 }, 'answered'],
    [{ kind: 'no_answer', code: 'ECONNRESET', certificate: false }, 'unknown'],
    [{ kind: 'no_answer', code: 'EPIPE', certificate: false }, 'unknown'],
    [{ kind: 'no_answer', code: undefined, certificate: false }, 'unknown'],
    [{ kind: 'no_answer', code: 'ECONNREFUSED', certificate: false }, 'not_sent'],
    [{ kind: 'no_answer', code: 'ENOTFOUND', certificate: false }, 'not_sent'],
    [{ kind: 'no_answer', code: 'DEPTH_ZERO_SELF_SIGNED_CERT', certificate: true }, 'not_sent'],
  ] as const)('%j is %s', (failure, outcome) => {
    expect(submitOutcome(failure)).toBe(outcome);
  });

  it('waits 250 ms doubling to 2 s between re-sends', () => {
    expect([0, 1, 2, 3, 4, 10].map(resendDelayMs)).toEqual([250, 500, 1000, 2000, 2000, 2000]);
  });
});

describe('a submission whose outcome is unknown, against real sockets', () => {
  let server: Server | undefined;
  const sockets = new Set<Socket>();
  afterEach(async () => {
    for (const s of sockets) s.destroy();
    sockets.clear();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  });

  /** A server that answers each POST with `answers[n]` in turn, recording the keys it was sent. */
  async function serve(answers: ((res: ServerResponse, req: IncomingMessage) => void)[]) {
    const keys: (string | undefined)[] = [];
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        keys.push(req.headers['idempotency-key'] as string | undefined);
        answers[Math.min(keys.length - 1, answers.length - 1)]?.(res, req);
      });
    });
    server.on('connection', (socket) => sockets.add(socket));
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, keys };
  }
  const json =
    (status: number, body: unknown, headers: Record<string, string> = {}) =>
    (res: ServerResponse) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
  const unavailable = json(503, { error: { code: 'store_unavailable', message: 'database unreachable' } });
  const created = json(201, { jobs: [{ id: 7 }] });
  const replay = json(201, { jobs: [{ id: 7 }] }, { 'idempotent-replayed': 'true' });
  const cutOff = (res: ServerResponse) => res.socket?.destroy();

  it('sends a 503-answered submission again with the same key until it is answered, once stored', async () => {
    const { url, keys } = await serve([unavailable, unavailable, replay]);
    const told: string[] = [];
    const client = new P3sClient({ server: url, onResend: (f) => told.push(f.message) });
    const answer = await client.submitJobs([{ payload: '/bin/true' }]);
    expect(answer).toEqual({ jobs: [{ id: 7 }], replayed: false });
    expect(keys).toHaveLength(3);
    expect(new Set(keys).size).toBe(1);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(told).toEqual(['database unreachable', 'database unreachable']);
  });

  it('sends again after the connection was cut before the answer, with the caller’s key', async () => {
    const { url, keys } = await serve([cutOff, created]);
    const client = new P3sClient({ server: url });
    const answer = await client.createWorkflow({ name: 'w' } as never, { idempotencyKey: 'k-1' });
    expect(answer.replayed).toBe(false);
    expect(keys).toEqual(['k-1', 'k-1']);
  });

  it('says replayed when the first send of the call was answered from an earlier call', async () => {
    const { url } = await serve([replay]);
    const client = new P3sClient({ server: url });
    expect((await client.submitJobs([{}], undefined, { idempotencyKey: 'k' })).replayed).toBe(true);
  });

  it('does not send again what was answered, nor past its window', async () => {
    const refused = await serve([json(400, { error: { code: 'invalid_job', message: 'bad' } })]);
    await expect(new P3sClient({ server: refused.url }).submitJobs([{}])).rejects.toBeInstanceOf(ApiError);
    expect(refused.keys).toHaveLength(1);
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    const down = await serve([unavailable]);
    const client = new P3sClient({ server: down.url, resendWindowMs: 0 });
    await expect(client.submitJobs([{}])).rejects.toMatchObject({ status: 503 });
    expect(down.keys).toHaveLength(1);
  });

  it('does not wait on a server that refuses connections: nothing was sent', async () => {
    const { url } = await serve([created]);
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    server = undefined;
    let told = 0;
    const client = new P3sClient({ server: url, onResend: () => told++ });
    await expect(client.submitJobs([{}])).rejects.toBeInstanceOf(NetworkError);
    expect(told).toBe(0);
  });
});
