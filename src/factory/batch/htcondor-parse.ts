// Reading HTCondor's answers: `condor_q -json` (a JSON list of job ClassAds, or nothing at all
// when no job matches) and the cluster range `condor_submit -terse` prints. Pure, tested on
// recorded output.

import type { BatchObservation, WorkerState } from '../../core/index.ts';
import { secondsToMs } from './adapter.ts';

/** The ClassAd attributes the adapter asks condor_q for. */
export const CONDOR_ATTRIBUTES = [
  'ClusterId',
  'ProcId',
  'JobStatus',
  'HoldReason',
  'HoldReasonCode',
  'ExitCode',
  'ExitBySignal',
  'ExitSignal',
  'RemoveReason',
  'EnteredCurrentStatus',
  'JobCurrentStartDate',
  'CompletionDate',
  'QDate',
  'p3sSite',
];

/** JobStatus: 1 idle, 2 running, 3 removed, 4 completed, 5 held, 6 transferring output, 7 suspended. */
const STATUS: Record<number, WorkerState> = {
  1: 'submitted',
  2: 'running',
  3: 'cancelled',
  4: 'finished',
  5: 'held',
  6: 'running',
  7: 'running',
};

type Ad = Record<string, unknown>;

/** Every job of a `condor_q -json` answer, keyed `htcondor:<cluster>.<proc>`. Throws on text that is not its JSON. */
export function parseCondorQJson(text: string): Map<string, BatchObservation> {
  const out = new Map<string, BatchObservation>();
  if (text.trim() === '') return out;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`condor_q -json printed something that is not JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(parsed)) throw new Error('condor_q -json printed no list of jobs');
  for (const ad of parsed as Ad[]) {
    const observation = observe(ad);
    if (observation) out.set(observation.batchId, observation);
  }
  return out;
}

function observe(ad: Ad): BatchObservation | undefined {
  const cluster = ad.ClusterId;
  const proc = ad.ProcId;
  const status = ad.JobStatus;
  if (typeof cluster !== 'number' || typeof proc !== 'number' || typeof status !== 'number') return undefined;
  let state = STATUS[status];
  if (state === undefined) return undefined;
  let exitCode: number | null = null;
  if (status === 4) {
    exitCode =
      ad.ExitBySignal === true && typeof ad.ExitSignal === 'number'
        ? 128 + ad.ExitSignal
        : typeof ad.ExitCode === 'number'
          ? ad.ExitCode
          : null;
    if (exitCode !== 0) state = 'failed';
  }
  if (status === 3 && ad.ExitBySignal === true && typeof ad.ExitSignal === 'number')
    exitCode = 128 + ad.ExitSignal;
  const reason = status === 5 ? text(ad.HoldReason) : status === 3 ? text(ad.RemoveReason) : null;
  const ended = status === 3 || status === 4;
  return {
    batchId: `htcondor:${cluster}.${proc}`,
    state,
    exitCode,
    reason,
    startedAt: secondsToMs(ad.JobCurrentStartDate as number | undefined),
    endedAt: ended ? secondsToMs((ad.CompletionDate ?? ad.EnteredCurrentStatus) as number | undefined) : null,
  };
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

/** The job ids `condor_submit -terse` printed (`9.0 - 9.2`), or undefined when it printed none. */
export function parseCondorSubmitTerse(stdout: string): string[] | undefined {
  const match = /^(\d+)\.(\d+)\s*-\s*(\d+)\.(\d+)\s*$/m.exec(stdout.trim());
  if (!match) return undefined;
  const [cluster, first, lastCluster, last] = [match[1], match[2], match[3], match[4]].map(Number) as [
    number,
    number,
    number,
    number,
  ];
  if (cluster !== lastCluster || last < first) return undefined;
  return Array.from({ length: last - first + 1 }, (_, i) => `${cluster}.${first + i}`);
}
