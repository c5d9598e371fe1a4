import { describe, expect, it } from 'vitest';
import {
  type LimitConfig,
  type LimitMeasurements,
  type LimitRequest,
  limitVerdict,
} from './resource-limits.ts';

const NOW = 1_000_000;
const quiet: LimitMeasurements = {
  memoryKb: 100 * 1024,
  memorySource: 'pss',
  diskBytes: 10 * 1024 * 1024,
  now: NOW,
  cpuChangedAt: NOW,
  filesChangedAt: NOW,
};
const req: LimitRequest = { memoryMiB: 200, diskMiB: 50 };
const cfg: LimitConfig = { memoryGrace: 1.5, loopingAfter: 60 };

describe('limitVerdict', () => {
  it.each<[string, Partial<LimitMeasurements>, Partial<LimitRequest>, Partial<LimitConfig>, string | null]>([
    ['within every limit', {}, {}, {}, null],
    ['memory at request × grace exactly', { memoryKb: 300 * 1024 }, {}, {}, null],
    ['memory over request × grace', { memoryKb: 300 * 1024 + 1 }, {}, {}, 'memory_exceeded'],
    ['memory over request, under the grace', { memoryKb: 250 * 1024 }, {}, {}, null],
    ['memory over request, grace 1', { memoryKb: 250 * 1024 }, {}, { memoryGrace: 1 }, 'memory_exceeded'],
    [
      'RSS counts where PSS is missing',
      { memoryKb: 400 * 1024, memorySource: 'rss' },
      {},
      {},
      'memory_exceeded',
    ],
    ['no memory request: no memory limit', { memoryKb: 1e9 }, { memoryMiB: null }, {}, null],
    ['disk at its request', { diskBytes: 50 * 1024 * 1024 }, {}, {}, null],
    ['disk past its request', { diskBytes: 50 * 1024 * 1024 + 1 }, {}, {}, 'disk_exceeded'],
    ['no disk request: no disk limit', { diskBytes: 1e15 }, { diskMiB: null }, {}, null],
    [
      'idle just under the looping time',
      { cpuChangedAt: NOW - 59_999, filesChangedAt: NOW - 70_000 },
      {},
      {},
      null,
    ],
    [
      'idle for the looping time',
      { cpuChangedAt: NOW - 60_000, filesChangedAt: NOW - 60_000 },
      {},
      {},
      'looping',
    ],
    [
      'a recent file change is not looping',
      { cpuChangedAt: NOW - 90_000, filesChangedAt: NOW - 1000 },
      {},
      {},
      null,
    ],
    [
      'recent CPU use is not looping',
      { cpuChangedAt: NOW - 1000, filesChangedAt: NOW - 90_000 },
      {},
      {},
      null,
    ],
    ['looping off (0)', { cpuChangedAt: 0, filesChangedAt: 0 }, {}, { loopingAfter: 0 }, null],
    ['memory before disk', { memoryKb: 1e9, diskBytes: 1e15 }, {}, {}, 'memory_exceeded'],
    ['disk before looping', { diskBytes: 1e15, cpuChangedAt: 0, filesChangedAt: 0 }, {}, {}, 'disk_exceeded'],
  ])('%s', (_, m, r, c, breach) => {
    const verdict = limitVerdict({ ...quiet, ...m }, { ...req, ...r }, { ...cfg, ...c });
    expect(verdict?.breach ?? null).toBe(breach);
  });

  it('says what it measured and the limit', () => {
    expect(limitVerdict({ ...quiet, memoryKb: 400 * 1024 }, req, cfg)?.detail).toBe(
      'process group used 400.0 MiB (PSS), over its limit of 300.0 MiB (request 200 MiB × grace 1.5)',
    );
    expect(limitVerdict({ ...quiet, diskBytes: 60 * 1024 * 1024 }, req, cfg)?.detail).toBe(
      'work directory holds 60.0 MiB, over its disk request of 50 MiB',
    );
    expect(
      limitVerdict({ ...quiet, cpuChangedAt: NOW - 61_500, filesChangedAt: NOW - 62_000 }, req, cfg)?.detail,
    ).toBe('no CPU used and no file in the work directory changed for 61 s (limit 60 s)');
  });
});
