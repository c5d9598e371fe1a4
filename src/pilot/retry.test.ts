import { describe, expect, it } from 'vitest';
import { ApiError, NetworkError } from '../protocol/client.ts';
import { isTransient, Outage, OutageError, withRetry } from './retry.ts';

const network = () => new NetworkError('http://x', new Error('ECONNREFUSED'));
const api = (status: number, code: string) => new ApiError(status, { code, message: code, details: [] });

describe('isTransient', () => {
  it.each([
    [network(), true],
    [api(503, 'store_unavailable'), true],
    [api(500, 'internal'), true],
    [api(409, 'lease_lost'), false],
    [api(400, 'validation_failed'), false],
    [new Error('x'), false],
  ])('%s → %s', (error, expected) => {
    expect(isTransient(error)).toBe(expected);
  });
});

describe('Outage', () => {
  it('counts from the first failure since the last success', () => {
    let now = 1000;
    const outage = new Outage(10, () => now);
    expect(outage.seconds()).toBe(0);
    outage.failed();
    now += 4000;
    outage.failed();
    expect(outage.seconds()).toBe(4);
    expect(outage.exceeded()).toBe(false);
    now += 7000;
    expect(outage.exceeded()).toBe(true);
    outage.ok();
    expect(outage.seconds()).toBe(0);
    expect(outage.exceeded()).toBe(false);
  });
});

describe('withRetry', () => {
  it('never waits longer than the outage allows between tries', async () => {
    const outage = new Outage(10);
    outage.maxDelayMs = 30;
    const delays: number[] = [];
    let calls = 0;
    await withRetry(
      async () => {
        if (++calls < 8) throw network();
        return 'ok';
      },
      { outage, onRetry: (_error, _attempt, delay) => delays.push(delay) },
    );
    expect(delays).toHaveLength(7);
    expect(Math.max(...delays)).toBeLessThanOrEqual(30);
  });

  it('retries transient failures until the server answers', async () => {
    let calls = 0;
    const outage = new Outage(10);
    const result = await withRetry(
      async () => {
        calls++;
        if (calls < 3) throw calls === 1 ? network() : api(503, 'store_unavailable');
        return 'ok';
      },
      { outage },
    );
    expect(result).toBe('ok');
    expect(calls).toBe(3);
    expect(outage.seconds()).toBe(0);
  });

  it('rethrows a refusal at once', async () => {
    let calls = 0;
    const refusal = api(409, 'lease_lost');
    await expect(
      withRetry(
        async () => {
          calls++;
          throw refusal;
        },
        { outage: new Outage(10) },
      ),
    ).rejects.toBe(refusal);
    expect(calls).toBe(1);
  });

  it('gives up with an OutageError once the limit has passed, and then tries only once', async () => {
    const outage = new Outage(0.3);
    let calls = 0;
    const fail = async () => {
      calls++;
      throw network();
    };
    await expect(withRetry(fail, { outage })).rejects.toBeInstanceOf(OutageError);
    expect(calls).toBeGreaterThan(1);
    calls = 0;
    await expect(withRetry(fail, { outage })).rejects.toBeInstanceOf(OutageError);
    expect(calls).toBe(1);
  });

  it('stops retrying when interrupted', async () => {
    const interrupt = new AbortController();
    setTimeout(() => interrupt.abort(), 50);
    const t0 = Date.now();
    await expect(
      withRetry(
        async () => {
          throw network();
        },
        { outage: new Outage(60), interrupt: interrupt.signal },
      ),
    ).rejects.toBeInstanceOf(NetworkError);
    expect(Date.now() - t0).toBeLessThan(1000);
  });
});
