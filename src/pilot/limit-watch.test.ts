// The limit monitor on real payload processes: each limit kills the group with its own end and a
// diagnostic, and a payload inside its limits (or quiet but printing) runs to its end.

import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
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
    expect(tree.stamp).toMatch(/^\d+:\d+(\.\d+)?$/);
  });
});

const IDLE = { cpuSeconds: 1, rssKb: 100, maxRssKb: 100 };
const settings = { request: { memoryMiB: null, diskMiB: null }, config: { memoryGrace: 1, loopingAfter: 2 } };

/** A watch of a work dir holding one file, with one log, started at 1000 on its clock. */
function watched() {
  const sandbox = join(root, 'sandbox');
  mkdirSync(sandbox);
  const file = join(sandbox, 'progress.txt');
  writeFileSync(file, 'step 1\n');
  const log = join(root, 'out.log');
  writeFileSync(log, 'started\n');
  return { file, log, watch: new LimitWatch(settings, sandbox, [log], 1000) };
}

/** Measures at `now`, after the work dir walk that measure starts has ended. */
async function measured(watch: LimitWatch, now: number) {
  watch.measure(IDLE, [], now);
  for (let i = 0; i < 50 && (watch as unknown as { walking: boolean }).walking; i++)
    await new Promise((resolve) => setTimeout(resolve, 10));
  return watch.measure(IDLE, [], now);
}

describe('LimitWatch: signs of life on its own clock', () => {
  it('counts idle time from the spawn: what the first looks find is the baseline, not a change', async () => {
    const { watch } = watched();
    expect((await measured(watch, 1050)).filesChangedAt).toBe(1000);
    const later = watch.measure(IDLE, [], 3100);
    expect(later.now - Math.max(later.cpuChangedAt, later.filesChangedAt)).toBe(2100);
  });

  it('dates a write to a log when it sees it', async () => {
    const { log, watch } = watched();
    await measured(watch, 1050);
    appendFileSync(log, 'more\n');
    expect(watch.measure(IDLE, [], 2500).filesChangedAt).toBe(2500);
    expect(watch.measure(IDLE, [], 2600).filesChangedAt).toBe(2500);
  });

  it('sees writes although the wall clock stepped back and their mtimes are older than before', async () => {
    const { file, log, watch } = watched();
    const future = new Date(Date.now() + 3_600_000);
    utimesSync(log, future, future);
    // Written before the step (or unpacked with its mtime kept): the newest entry from now on.
    const unpacked = join(file, '..', 'unpacked.dat');
    writeFileSync(unpacked, 'data');
    utimesSync(unpacked, future, future);
    await measured(watch, 1050);
    // NTP stepped the clock an hour back: the next writes' mtimes are an hour before the last ones.
    const past = new Date(Date.now() - 1000);
    appendFileSync(log, 'after the step\n');
    utimesSync(log, past, past);
    expect(watch.measure(IDLE, [], 4000).filesChangedAt).toBe(4000);
    // A rewrite in place in the work dir, within its allocated block.
    writeFileSync(file, 'step 2\n');
    utimesSync(file, past, past);
    expect((await measured(watch, 9000)).filesChangedAt).toBe(9000);
  });
});
