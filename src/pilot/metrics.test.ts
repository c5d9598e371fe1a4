import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { JobMetrics } from '../core/types.ts';
import { GroupSampler, groupAlive, parseProcStat, processGroup } from './metrics.ts';
import { runPayload } from './runner.ts';

const onLinux = process.platform === 'linux';

describe('parseProcStat', () => {
  it('reads the fields after a command name holding spaces and parentheses', () => {
    const line =
      '4242 (my (odd) prog) S 1 4240 4240 0 -1 4194560 100 0 0 0 150 50 7 3 20 0 1 0 12345 10485760 2560 18446744073709551615';
    expect(parseProcStat(line)).toEqual({ pid: 4242, state: 'S', pgrp: 4240, cpuTicks: 210, rssPages: 2560 });
  });

  it('refuses garbage', () => {
    expect(parseProcStat('not a stat line')).toBeNull();
  });
});

describe.runIf(onLinux)('process group sampling', () => {
  it('sees every member of a group and nothing of a group that ended', async () => {
    const child = spawn('/bin/sh', ['-c', 'sleep 5 & sleep 5 & wait'], { detached: true, stdio: 'ignore' });
    await new Promise((resolve) => child.once('spawn', resolve));
    const pgid = child.pid as number;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(processGroup(pgid).length).toBe(3);
    expect(groupAlive(pgid)).toBe(true);
    process.kill(-pgid, 'SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(groupAlive(pgid)).toBe(false);
  });

  it('shows CPU time and memory of a busy payload', async () => {
    const root = mkdtempSync(join(tmpdir(), 'p3s-metrics-'));
    try {
      let midRun: JobMetrics | undefined;
      const result = await runPayload({
        jobId: 1,
        jobUuid: randomUUID(),
        attempt: 1,
        pilotUuid: randomUUID(),
        // A busy loop in a child of the shell: the group, not just its leader, is measured.
        payload: 'i=0; while [ $i -lt 10000000 ]; do i=$((i+1)); done & wait',
        env: {},
        timelimit: 1,
        workDir: join(root, 'work'),
        joblogDir: join(root, 'logs'),
        killGrace: 0.5,
        shell: true,
        sampleIntervalMs: 100,
        onStart: (_pid, metrics) => {
          setTimeout(() => (midRun = metrics()), 500);
        },
      });
      expect(result.kind).toBe('timelimit');
      expect(midRun?.rssKb).toBeGreaterThan(0);
      expect(midRun?.cpuSeconds).toBeGreaterThan(0);
      // The final RSS may be read while the killed group tears down; the peak and CPU total stay.
      expect(result.metrics.cpuSeconds).toBeGreaterThan(0.1);
      expect(result.metrics.maxRssKb).toBeGreaterThan(0);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('returns zeros for a group that does not exist', () => {
    expect(new GroupSampler(2 ** 22 + 12345).sample()).toEqual({ cpuSeconds: 0, rssKb: 0, maxRssKb: 0 });
  });
});
