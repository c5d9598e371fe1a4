// What `p3s run` runs: one job of a P3S job JSON list (or a single job object), with the
// testwrapper-style overrides applied before the usual job checks.

import { parseJobSpec } from '../core/job-spec.ts';
import type { JobSpec } from '../core/types.ts';
import { CliError } from './errors.ts';
import { describeSubmitIssues } from './job-input.ts';

export interface RunOverrides {
  /** Replaces the payload (P3S testwrapper -p). */
  payload?: string;
  /** Variables set on the job's env (P3S testwrapper -i/-o/-f: P3S_INPUT_FILE, …). */
  env: [string, string][];
}

/**
 * The job at 1-based `index` of `jobs`, overridden and normalised as the server would store it.
 * Problems are named like `job submit` names them (`job 1 ("x"): timeout: …`).
 */
export function pickRunJob(jobs: unknown, index: number, overrides: RunOverrides, source: string): JobSpec {
  const list = Array.isArray(jobs) ? jobs : [jobs];
  if (index > list.length)
    throw new CliError(
      `${source} holds ${list.length} job${list.length === 1 ? '' : 's'}; there is no job ${index}`,
      {
        exitCode: 2,
      },
    );
  const raw = structuredClone(list[index - 1]) as unknown;
  if (typeof raw === 'object' && raw !== null && !Array.isArray(raw)) {
    const job = raw as Record<string, unknown>;
    if (overrides.payload !== undefined) job.payload = overrides.payload;
    if (overrides.env.length > 0) {
      if (job.env === undefined || job.env === null) job.env = {};
      if (typeof job.env === 'object' && !Array.isArray(job.env))
        for (const [name, value] of overrides.env) (job.env as Record<string, unknown>)[name] = value;
    }
  }
  const issues: { path: string; message: string }[] = [];
  const spec = parseJobSpec(raw, `/jobs/${index - 1}`, issues);
  if (!spec) {
    const shown = Array.isArray(jobs) ? jobs : [jobs];
    throw new CliError(`${source}: job ${index} cannot run`, {
      details: describeSubmitIssues(issues, shown),
    });
  }
  return spec;
}

/** A name for a local run's sandbox and log files that sorts by time: `run-20240501-140307-4242`. */
export function runLabel(now = new Date(), pid = process.pid): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const date = `${now.getFullYear()}${pad(now.getMonth() + 1)}${pad(now.getDate())}`;
  const time = `${pad(now.getHours())}${pad(now.getMinutes())}${pad(now.getSeconds())}`;
  return `run-${date}-${time}-${pid}`;
}
