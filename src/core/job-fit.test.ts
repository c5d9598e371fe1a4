import { describe, expect, it } from 'vitest';
import { type JobRequests, jobFitsPilot, msLeft, type PilotOffer, UNLIMITED_OFFER } from './job-fit.ts';

const NOW = 1_700_000_000_000;
const job = (over: Partial<JobRequests>): JobRequests => ({
  memory: null,
  cores: null,
  disk: null,
  timelimit: null,
  ...over,
});
const pilot = (over: Partial<PilotOffer>): PilotOffer => ({ ...UNLIMITED_OFFER, ...over });

describe('jobFitsPilot', () => {
  it.each<[string, Partial<JobRequests>, Partial<PilotOffer>, boolean]>([
    ['nothing asked, nothing offered', {}, {}, true],
    [
      'nothing asked, everything limited',
      {},
      { memory: 1, cores: 1, disk: 1, lifetimeEndsAt: NOW + 1 },
      true,
    ],
    [
      'asks, pilot from before resources (all null)',
      { memory: 9e6, cores: 512, disk: 9e6, timelimit: 9e5 },
      {},
      true,
    ],
    ['memory below the offer', { memory: 1024 }, { memory: 2048 }, true],
    ['memory equal to the offer', { memory: 2048 }, { memory: 2048 }, true],
    ['memory above the offer', { memory: 2049 }, { memory: 2048 }, false],
    ['cores above the offer', { cores: 8 }, { cores: 4 }, false],
    ['cores equal to the offer', { cores: 4 }, { cores: 4 }, true],
    ['disk above the offer', { disk: 10_000 }, { disk: 9_999 }, false],
    ['disk within the offer', { disk: 10_000 }, { disk: 10_000 }, true],
    ['memory fits but cores do not', { memory: 1, cores: 2 }, { memory: 4096, cores: 1 }, false],
    ['time limit within the lifetime left', { timelimit: 60 }, { lifetimeEndsAt: NOW + 61_000 }, true],
    ['time limit exactly the lifetime left', { timelimit: 60 }, { lifetimeEndsAt: NOW + 60_000 }, true],
    ['time limit outlives the pilot', { timelimit: 600 }, { lifetimeEndsAt: NOW + 60_000 }, false],
    ['time limit 1 ms past the lifetime', { timelimit: 60 }, { lifetimeEndsAt: NOW + 59_999 }, false],
    ['pilot whose lifetime is over', { timelimit: 1 }, { lifetimeEndsAt: NOW - 1 }, false],
    ['lifetime over, no time limit (unreachable for stored jobs)', {}, { lifetimeEndsAt: NOW - 1 }, true],
    ['unlimited lifetime, long job', { timelimit: 86_400 * 30 }, { memory: 1 }, true],
  ])('%s', (_name, j, p, fits) => {
    expect(jobFitsPilot(job(j), pilot(p), NOW)).toBe(fits);
  });
});

describe('msLeft', () => {
  it('is null for an unlimited pilot and counts down otherwise', () => {
    expect(msLeft(UNLIMITED_OFFER, NOW)).toBeNull();
    expect(msLeft({ lifetimeEndsAt: NOW + 5 }, NOW)).toBe(5);
    expect(msLeft({ lifetimeEndsAt: NOW + 5 }, NOW + 10)).toBe(-5);
  });
});
