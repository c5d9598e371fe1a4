import { describe, expect, it } from 'vitest';
import { checkTargets } from './targets.ts';

const find = (checks: ReturnType<typeof checkTargets>, text: string) =>
  checks.find((c) => c.target.includes(text));

describe('checkTargets', () => {
  it('passes and misses latency by median and p99', () => {
    const checks = checkTargets({ latency: [{ store: 'sqlite', medianMs: 12, p99Ms: 140 }] });
    expect(find(checks, 'median')?.ok).toBe(true);
    expect(find(checks, 'p99')?.ok).toBe(false);
  });

  it('compares growth at the deepest queue with the shallowest', () => {
    const checks = checkTargets({
      growth: [
        { store: 'sqlite', depth: 1000, jobsPerSecond: 1000, claimP99Ms: 10, serverRssMb: 80 },
        { store: 'sqlite', depth: 1_000_000, jobsPerSecond: 850, claimP99Ms: 25, serverRssMb: 120 },
      ],
    });
    expect(find(checks, 'throughput at')?.ok).toBe(true);
    expect(find(checks, 'claim p99 grows')?.ok).toBe(false);
    expect(find(checks, 'RSS')?.ok).toBe(true);
  });

  it('checks the monitor pages by their median response time', () => {
    const checks = checkTargets({
      monitor: [{ store: 'sqlite', jobs: 1_000_000, overviewMedianMs: 60, jobsMedianMs: 400 }],
    });
    expect(find(checks, 'monitor overview')?.ok).toBe(true);
    expect(find(checks, 'monitor jobs page')?.ok).toBe(false);
  });

  it('judges both dispatcher targets on the in-process rows and reports the HTTP ones', () => {
    const checks = checkTargets({
      dispatcher: [
        { store: 'sqlite', via: 'http', pilots: 16, jobsPerSecond: 2500 },
        { store: 'sqlite', via: 'in-process', pilots: 16, jobsPerSecond: 3500 },
        { store: 'postgres', via: 'http', pilots: 16, jobsPerSecond: 2000, ratioToGraphile: 0.7 },
        { store: 'postgres', via: 'in-process', pilots: 16, jobsPerSecond: 4000, ratioToGraphile: 1.1 },
      ],
    });
    expect(find(checks, 'SQLite (16 pilots, in-process)')?.ok).toBe(true);
    expect(find(checks, 'graphile-worker (16 pilots, in-process)')?.ok).toBe(true);
    // The HTTP path's figures are reported, not judged.
    expect(find(checks, 'SQLite (16 pilots, http)')).toMatchObject({ ok: null, actual: '2500 jobs/s' });
    expect(find(checks, 'graphile-worker (16 pilots, http)')).toMatchObject({ ok: null, actual: '0.7×' });
  });

  it('judges the in-process rows when they miss too', () => {
    const checks = checkTargets({
      dispatcher: [
        { store: 'sqlite', via: 'in-process', pilots: 64, jobsPerSecond: 2900 },
        { store: 'postgres', via: 'in-process', pilots: 64, jobsPerSecond: 900, ratioToGraphile: 0.9 },
      ],
    });
    expect(find(checks, 'SQLite (64 pilots, in-process)')?.ok).toBe(false);
    expect(find(checks, 'graphile-worker (64 pilots, in-process)')?.ok).toBe(false);
  });

  it('checks the CLI start against node -e 0 and p3s against its peers', () => {
    const checks = checkTargets({
      cli: [
        { store: 'sqlite', versionToNode: 1.2, versionMs: 110, nodeMs: 95, submitToNode: 1.8, submitMs: 170 },
      ],
      peers: [
        {
          store: 'sqlite',
          slurm: false,
          trueJobs: 300,
          sleepJobs: 40,
          true_ratio_parallel: 0.9,
          true_p3s_s: 1,
          true_parallel_s: 1.1,
          idle_p3s_ms: 140,
          sleep_p3s_s: 10.2,
        },
      ],
    });
    expect(find(checks, '--version')?.ok).toBe(true);
    expect(find(checks, 'job submit of one job')?.ok).toBe(false);
    expect(find(checks, 'GNU parallel')?.ok).toBe(true);
    expect(find(checks, 'idle submit → payload start through the CLI')?.ok).toBe(false);
    expect(find(checks, '× Slurm')).toBeUndefined();
    expect(find(checks, 'sleep 1')?.ok).toBe(true);
  });
});
