// Which path a heartbeat takes for its sample (heartbeatSampled): the fast path with or without a
// sample while the memo knows the job, the general transaction when it does not or when thinning
// is due. The stored outcome is in the store conformance (test/store/conformance-job-samples.ts).

import { describe, expect, it } from 'vitest';
import { MAX_SAMPLES, type SampleState } from '../../core/index.ts';
import type { SampledBeat, StoreDialect } from '../dialect.ts';
import { SampleMemo } from '../sample-queries.ts';
import type { HeartbeatInput } from '../store.ts';
import { heartbeatSampled } from './heartbeat.ts';

const REPLY = { command: null, leaseExpiresAt: 1 };
const beat = (now: number, metrics = true): HeartbeatInput => ({
  jobId: 7,
  pilotUuid: 'p',
  attempt: 1,
  metrics: metrics ? { cpuSeconds: 1, rssKb: 2, maxRssKb: 2 } : null,
  leaseMs: 1000,
  now,
});

async function route(remembered: SampleState | undefined, input: HeartbeatInput, fastAnswers = true) {
  const memo = new SampleMemo();
  if (remembered) memo.set(7, remembered);
  const fast: SampledBeat[] = [];
  let general = 0;
  const dialect = {
    heartbeat: async (b: SampledBeat) => {
      fast.push(b);
      return fastAnswers ? REPLY : undefined;
    },
  } as unknown as StoreDialect;
  const write = (async () => {
    general++;
    return { answer: REPLY, sampled: undefined };
  }) as never;
  await heartbeatSampled(input, dialect, memo, write);
  return { fast: fast.map((b) => b.sample), general, memo: memo.get(7) };
}

describe('heartbeatSampled', () => {
  const known = (lastAt: number, count = 1): SampleState => ({ attempt: 1, lastAt, count });
  it.each<[string, SampleState | undefined, HeartbeatInput, boolean[], number]>([
    // [why, remembered, beat, fast path calls (their sample flag), general transactions]
    ['unknown job: the general path reads what is stored', undefined, beat(0), [], 1],
    ['no metrics: the fast path, no sample', undefined, beat(0, false), [false], 0],
    ['too soon: the fast path, no sample', known(0), beat(4999), [false], 0],
    ['due: the fast path stores it', known(0), beat(5000), [true], 0],
    ['due at the limit: the general path thins', known(0, MAX_SAMPLES), beat(5000), [], 1],
    ['another attempt: the general path', { attempt: 2, lastAt: 0, count: 1 }, beat(5000), [], 1],
  ])('%s', async (_why, remembered, input, fast, general) => {
    const routed = await route(remembered, input);
    expect(routed.fast).toEqual(fast);
    expect(routed.general).toBe(general);
  });

  it('remembers a sample the fast path stored, and not one it could not take', async () => {
    expect((await route(known(0, 3), beat(5000))).memo).toEqual({ attempt: 1, lastAt: 5000, count: 4 });
    const missed = await route(known(0, 3), beat(5000), false);
    expect(missed).toMatchObject({ fast: [true], general: 1, memo: known(0, 3) });
  });
});
