// How an attempt ends, whoever ends it (the pilot's finish, the lease reaper, a deregistration):
// the ending's transition; for a failure, the retry rules in the same transaction; then the
// workflow. A job that will be tried again does not cancel its workflow's descendants. A queue
// timeout (`expire`) is a verdict on the site, not on an attempt, so no retry rule sees it.

import {
  decideRetry,
  describeDecision,
  type FailedAttempt,
  type JobTransition,
  type RetryDecision,
} from '../../core/index.ts';
import type { DialectSql } from '../dialect.ts';
import { type TransitionInput, transitionJob } from '../job-queries.ts';
import { loadRetryRules } from '../retry-rule-queries.ts';
import { nextAttempt } from '../rows.ts';
import type { JobRow } from '../schema.ts';
import type { WorkflowRow } from '../schema-workflows.ts';
import type { Tx } from '../transaction.ts';
import { advanceWorkflowIn } from '../workflow-advance.ts';

export interface EndAttemptInput extends TransitionInput {
  transition: Extract<JobTransition, 'finish' | 'fail' | 'lose' | 'cancel' | 'expire'>;
  /** The job's workflow, locked by the caller before the job; undefined outside any workflow. */
  workflow: WorkflowRow | undefined;
}

export interface EndedAttempt {
  /** The job as the attempt ended. */
  ended: JobRow;
  /** The job as the transaction leaves it: ended, or its next attempt queued or deferred. */
  row: JobRow;
  /** Whether jobs became claimable (the caller signals after the commit). */
  released: boolean;
  workflow: WorkflowRow | undefined;
}

export async function endAttemptIn(
  tx: Tx,
  dialect: DialectSql,
  input: EndAttemptInput,
): Promise<EndedAttempt> {
  const failing = input.transition === 'fail' || input.transition === 'lose';
  // A job someone asked to kill is never tried again, whatever ended its attempt.
  const killed = input.job.kill_requested !== 0;
  const verdict =
    failing && !killed ? decideRetry(await loadRetryRules(tx), failedAttemptOf(input)) : undefined;
  const notes = [
    failing && killed ? 'not retried: a kill was requested' : null,
    verdict && describeDecision(verdict.decision),
    verdict?.logged && describeDecision(verdict.logged),
  ];
  const detail = [input.detail, ...notes].filter((part) => part).join('; ') || null;
  const ended = await transitionJob(tx, dialect, { ...input, detail });
  const decision = verdict?.decision;
  const row =
    decision?.kind === 'retry' ? await nextAttemptOf(tx, dialect, ended, decision, input.now) : ended;
  if (!input.workflow) return { ended, row, released: row.state === 'defined', workflow: undefined };
  const advanced = await advanceWorkflowIn(tx, dialect, input.workflow, row, input.now);
  return { ended, row, released: row.state === 'defined' || advanced.released, workflow: advanced.workflow };
}

/** The failed attempt as the rules see it: the job with the ending's columns applied. */
function failedAttemptOf({ job, set = {} }: EndAttemptInput): FailedAttempt {
  const pick = <K extends keyof JobRow>(key: K): JobRow[K] =>
    (set[key] !== undefined ? set[key] : job[key]) as JobRow[K];
  return {
    attempt: job.attempt,
    errorName: pick('error_name'),
    exitCode: pick('exit_code'),
    signal: pick('signal'),
    diag: pick('error_diag'),
    jobType: job.jobtype,
    site: job.ran_at_site ?? job.site,
    memoryMib: job.memory_mib,
    maxRssKb: pick('max_rss_kb'),
    timelimit: job.timelimit,
  };
}

/** The rule's retry: the next attempt queued now, or parked until its delay has passed. */
async function nextAttemptOf(
  tx: Tx,
  dialect: DialectSql,
  failed: JobRow,
  decision: Extract<RetryDecision, { kind: 'retry' }>,
  now: number,
): Promise<JobRow> {
  const deferred = decision.delayMs > 0;
  return transitionJob(tx, dialect, {
    job: failed,
    transition: deferred ? 'defer' : 'retry',
    operation: 'retry',
    actor: `rule:${decision.rule.id}`,
    now,
    detail: describeDecision(decision),
    set: {
      ...nextAttempt(failed),
      defined_at: deferred ? null : now,
      release_at: deferred ? now + decision.delayMs : null,
      ...(decision.memoryMib === undefined ? {} : { memory_mib: decision.memoryMib }),
      ...(decision.timelimit === undefined ? {} : { timelimit: decision.timelimit }),
    },
  });
}
