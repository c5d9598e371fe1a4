import { availableParallelism, totalmem } from 'node:os';
import { describe, expect, it } from 'vitest';
import { jobLimits, pilotResources } from './node-resources.ts';

describe('pilotResources', () => {
  it('takes the flags when given', () => {
    expect(pilotResources({ memoryMiB: 1024, cores: 2, diskMiB: 500, workDir: '/' })).toEqual({
      memory: 1024,
      cores: 2,
      disk: 500,
    });
  });

  it('detects the node otherwise: total memory, usable cores, free space of the work dir', () => {
    const found = pilotResources({ workDir: '/tmp' });
    expect(found.memory).toBe(Math.floor(totalmem() / 1024 / 1024));
    expect(found.cores).toBe(availableParallelism());
    expect(found.disk).toBeGreaterThan(0);
    expect(pilotResources({ workDir: '/no/such/dir' }).disk).toBe(0);
  });
});

describe('jobLimits', () => {
  const offered = { memory: 4096, cores: 4, disk: 10_000 };
  it.each([
    ['the job’s requests win', { memory: 200, disk: 50 }, offered, { memoryMiB: 200, diskMiB: 50 }],
    ['a job that asks none gets what the pilot offers', {}, offered, { memoryMiB: 4096, diskMiB: 10_000 }],
    [
      'unknown (0) offers are no limit',
      {},
      { memory: 0, cores: 0, disk: 0 },
      { memoryMiB: null, diskMiB: null },
    ],
  ])('%s', (_, job, pilot, request) => {
    expect(jobLimits(job, pilot, {}).request).toEqual(request);
  });

  it('defaults: grace 1.5, looping off', () => {
    expect(jobLimits({}, offered, {}).config).toEqual({ memoryGrace: 1.5, loopingAfter: 0 });
    expect(jobLimits({}, offered, { memoryGrace: 2, loopingAfter: 600 }).config).toEqual({
      memoryGrace: 2,
      loopingAfter: 600,
    });
  });
});
