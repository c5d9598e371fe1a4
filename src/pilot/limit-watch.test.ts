// The limit monitor on real payload processes: each limit kills the group with its own end and a
// diagnostic, and a payload inside its limits (or quiet but printing) runs to its end.

import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LimitSettings } from './limit-watch.ts';
import { groupPssKb, LimitWatch, treeUsage } from './limit-watch.ts';
import { type RunSpec, runPayload } from './runner.ts';

const HOG = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'payloads', 'memory-hog.mjs');
let root: string;
let nextJob = 1;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'p3s-limits-'));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

function spec(payload: string, limits: Partial<LimitSettings['request'] & LimitSettings['config']>): RunSpec {
  return {
    jobId: nextJob++,
    jobUuid: randomUUID(),
    attempt: 1,
    pilotUuid: randomUUID(),
    payload,
    env: {},
    timelimit: 60,
    workDir: join(root, 'work'),
    joblogDir: join(root, 'joblogs'),
    killGrace: 0.5,
    shell: true,
    pilotCwd: root,
    sampleIntervalMs: 200,
    limits: {
      request: { memoryMiB: limits.memoryMiB ?? null, diskMiB: limits.diskMiB ?? null },
      config: { memoryGrace: limits.memoryGrace ?? 1.5, loopingAfter: limits.loopingAfter ?? 0 },
    },
  };
}

describe('limit monitor on real processes', () => {
  it('kills a group past its memory request × grace: memory_exceeded, measured PSS in the detail', async () => {
    const result = await runPayload(spec(`${process.execPath} ${HOG} 400`, { memoryMiB: 200 }));
    expect(result.kind).toBe('memory_exceeded');
    const detail = (result as { detail: string }).detail;
    expect(detail).toMatch(
      /^process group used \d+\.\d MiB \(PSS\), over its limit of 300\.0 MiB \(request 200 MiB × grace 1\.5\)$/,
    );
    expect(Number(/used (\d+\.\d)/.exec(detail)?.[1])).toBeGreaterThan(300);
  });

  it('lets a payload inside its memory request finish', async () => {
    const result = await runPayload(spec(`${process.execPath} ${HOG} 50 0.5`, { memoryMiB: 200 }));
    expect(result).toMatchObject({ kind: 'exited', exitCode: 0 });
  });

  it('kills a payload whose work dir passes its disk request: disk_exceeded', async () => {
    const result = await runPayload(
      spec('dd if=/dev/zero of=big bs=1M count=30 2>/dev/null; sleep 30', { diskMiB: 10 }),
    );
    expect(result.kind).toBe('disk_exceeded');
    expect((result as { detail: string }).detail).toMatch(
      /^work directory holds \d+\.\d MiB, over its disk request of 10 MiB$/,
    );
  });

  it('kills a payload that sleeps without CPU or output: looping', async () => {
    const result = await runPayload(spec('sleep 30', { loopingAfter: 1 }));
    expect(result.kind).toBe('looping');
    expect((result as { detail: string }).detail).toMatch(
      /^no CPU used and no file in the work directory changed for \d+ s \(limit 1 s\)$/,
    );
  });

  it('counts output as a sign of life: a payload that prints while it sleeps is not looping', async () => {
    const result = await runPayload(
      spec('for i in 1 2 3 4 5 6 7 8; do echo tick; sleep 0.4; done', { loopingAfter: 1 }),
    );
    expect(result).toMatchObject({ kind: 'exited', exitCode: 0 });
  });
});

describe('measurements', () => {
  it('reads this process PSS, and counts a tree by allocated blocks', async () => {
    expect(groupPssKb([process.pid])).toBeGreaterThan(1000);
    const tree = await treeUsage(root);
    expect(tree.bytes).toBeGreaterThan(0);
    expect(tree.newestMs).toBeGreaterThan(0);
  });
});

const IDLE = { cpuSeconds: 1, rssKb: 100, maxRssKb: 100 };
const settings = { request: { memoryMiB: null, diskMiB: null }, config: { memoryGrace: 1, loopingAfter: 2 } };

function watchWithLog() {
  const log = join(root, 'out.log');
  writeFileSync(log, 'started\n');
  return { log, watch: new LimitWatch(settings, join(root, 'missing-sandbox'), [log], 1000) };
}

describe('LimitWatch: signs of life on its own clock', () => {
  it('dates a write to a log when it sees it, and counts idle time from there', () => {
    const { log, watch } = watchWithLog();
    expect(watch.measure(IDLE, [], 1050).filesChangedAt).toBe(1050);
    expect(watch.measure(IDLE, [], 2000).filesChangedAt).toBe(1050);
    appendFileSync(log, 'more\n');
    expect(watch.measure(IDLE, [], 2500).filesChangedAt).toBe(2500);
  });

  it('sees a write although the wall clock stepped back and its mtime is older than before', () => {
    const { log, watch } = watchWithLog();
    const future = new Date(Date.now() + 3_600_000);
    utimesSync(log, future, future);
    watch.measure(IDLE, [], 1050);
    // NTP stepped the clock an hour back: the next write's mtime is an hour before the last one.
    appendFileSync(log, 'after the step\n');
    const past = new Date(Date.now() - 1000);
    utimesSync(log, past, past);
    expect(watch.measure(IDLE, [], 4000).filesChangedAt).toBe(4000);
  });

  it('finds a payload looping once neither its CPU nor its files changed for loopingAfter', () => {
    const { watch } = watchWithLog();
    const m = watch.measure(IDLE, [], 1050);
    expect(m.now - Math.max(m.cpuChangedAt, m.filesChangedAt)).toBe(0);
    const later = watch.measure(IDLE, [], 3100);
    expect(later.now - Math.max(later.cpuChangedAt, later.filesChangedAt)).toBe(2050);
  });
});
