// Automatic retry rules (PanDA's retrial module): which failed attempts are tried again, and with
// what. Pure decisions; the store applies them in the transaction that fails the job.

import type { FieldIssue } from './errors.ts';
import { JOB_SPEC_LIMITS } from './job-spec.ts';

/** What a rule does with a failed attempt it matches. */
export const RETRY_ACTIONS = ['no_retry', 'retry', 'increase_memory', 'increase_timelimit'] as const;
export type RetryAction = (typeof RETRY_ACTIONS)[number];

/** What a rule matches on; null matches anything. */
export interface RetryMatch {
  /** The failure's error name (core/job-errors.ts), e.g. `lost`, `exit_code`, `memory_exceeded`. */
  errorName: string | null;
  exitCode: number | null;
  /** The signal name as the pilot reported it, e.g. `SIGKILL`. */
  signal: string | null;
  /** A regular expression searched for in the failure's diagnostic. */
  diagPattern: string | null;
  jobType: string | null;
  /** The site the attempt ran at (else the site the job asked for). */
  site: string | null;
}

export interface RetryRuleSpec {
  name: string;
  match: RetryMatch;
  action: RetryAction;
  /** Attempts in all, the first included: a retry happens while the failed attempt's number is lower. */
  maxAttempts: number;
  /** Wait before the next attempt is claimable; each later retry waits `delayFactor` times longer. */
  delaySeconds: number;
  delayFactor: number;
  /** For increase_memory / increase_timelimit: the multiplier and the ceiling (MiB or seconds). */
  factor: number | null;
  cap: number | null;
  /** Record what the rule would have done, and do nothing. */
  logOnly: boolean;
}

export interface RetryRule extends RetryRuleSpec {
  id: number;
  createdAt: number;
  createdBy: string;
}

/** The failed attempt, as the rules see it. */
export interface FailedAttempt {
  attempt: number;
  errorName: string | null;
  exitCode: number | null;
  signal: string | null;
  diag: string | null;
  jobType: string;
  site: string | null;
  /** The job's memory request (MiB) and the attempt's measured peak RSS (KiB), if any. */
  memoryMib: number | null;
  maxRssKb: number | null;
  /** Seconds. */
  timelimit: number;
}

export type RetryDecision =
  | { kind: 'none' }
  | { kind: 'no_retry'; rule: RetryRule }
  | { kind: 'spent'; rule: RetryRule; why: string }
  | {
      kind: 'retry';
      rule: RetryRule;
      /** The number of the attempt that follows. */
      attempt: number;
      delayMs: number;
      /** The request the next attempt gets, where the rule changes it. */
      memoryMib?: number;
      timelimit?: number;
    };

/** The decision of the active rules, and what the best matching log-only rule would have done. */
export interface RetryVerdict {
  decision: RetryDecision;
  logged: RetryDecision | null;
}

/** How much of a diagnostic a pattern searches: patterns run inside the write transaction. */
export const DIAG_SEARCHED = 1000;

/** No delay grows past a day. */
const MAX_DELAY_MS = 86_400_000;

/** The fields of a match, for counting how specific a rule is. */
const MATCH_FIELDS = [
  'errorName',
  'exitCode',
  'signal',
  'diagPattern',
  'jobType',
  'site',
] as const satisfies readonly (keyof RetryMatch)[];

export function ruleMatches(match: RetryMatch, failed: FailedAttempt): boolean {
  return (
    (match.errorName === null || match.errorName === failed.errorName) &&
    (match.exitCode === null || match.exitCode === failed.exitCode) &&
    (match.signal === null || match.signal === failed.signal) &&
    (match.diagPattern === null ||
      new RegExp(match.diagPattern).test((failed.diag ?? '').slice(0, DIAG_SEARCHED))) &&
    (match.jobType === null || match.jobType === failed.jobType) &&
    (match.site === null || match.site === failed.site)
  );
}

/** How many fields a rule matches on: the most specific matching rule decides. */
export function specificity(match: RetryMatch): number {
  return MATCH_FIELDS.filter((field) => match[field] !== null).length;
}

/** The rule that decides: the most specific match; between equals, the newest (highest id). */
export function decidingRule(rules: readonly RetryRule[], failed: FailedAttempt): RetryRule | undefined {
  let best: RetryRule | undefined;
  for (const rule of rules) {
    if (!ruleMatches(rule.match, failed)) continue;
    const better =
      best === undefined ||
      specificity(rule.match) > specificity(best.match) ||
      (specificity(rule.match) === specificity(best.match) && rule.id > best.id);
    if (better) best = rule;
  }
  return best;
}

export function decideRetry(rules: readonly RetryRule[], failed: FailedAttempt): RetryVerdict {
  const active = decidingRule(
    rules.filter((rule) => !rule.logOnly),
    failed,
  );
  const logOnly = decidingRule(
    rules.filter((rule) => rule.logOnly),
    failed,
  );
  return {
    decision: active ? applyRule(active, failed) : { kind: 'none' },
    logged: logOnly ? applyRule(logOnly, failed) : null,
  };
}

/** What one rule does with the failed attempt. */
export function applyRule(rule: RetryRule, failed: FailedAttempt): RetryDecision {
  if (rule.action === 'no_retry') return { kind: 'no_retry', rule };
  if (failed.attempt >= rule.maxAttempts)
    return { kind: 'spent', rule, why: `attempt ${failed.attempt} of ${rule.maxAttempts} was the last` };
  const delayMs = Math.min(
    MAX_DELAY_MS,
    Math.round(rule.delaySeconds * 1000 * rule.delayFactor ** (failed.attempt - 1)),
  );
  const retry = { kind: 'retry' as const, rule, attempt: failed.attempt + 1, delayMs };
  if (rule.action === 'retry') return retry;
  if (rule.action === 'increase_memory') {
    // Without a request, the attempt's measured peak is where the increase starts.
    const base = failed.memoryMib ?? (failed.maxRssKb === null ? null : Math.ceil(failed.maxRssKb / 1024));
    if (base === null) return retry;
    const memoryMib = grown(base, rule, JOB_SPEC_LIMITS.maxMemoryMiB);
    if (memoryMib <= (failed.memoryMib ?? 0))
      return { kind: 'spent', rule, why: `memory ${failed.memoryMib} MiB is already at the cap` };
    return { ...retry, memoryMib };
  }
  const timelimit = grown(failed.timelimit, rule, JOB_SPEC_LIMITS.maxTimelimit);
  if (timelimit <= failed.timelimit)
    return { kind: 'spent', rule, why: `time limit ${failed.timelimit} s is already at the cap` };
  return { ...retry, timelimit };
}

/** The value times the rule's factor, up to its cap and never past what a job may ask for. */
function grown(value: number, rule: RetryRule, limit: number): number {
  return Math.min(Math.ceil(value * (rule.factor ?? 1)), rule.cap ?? limit, limit);
}

/** One line for the job's history: the rule that fired and what it did. */
export function describeDecision(decision: RetryDecision): string | null {
  if (decision.kind === 'none') return null;
  const { rule } = decision;
  const named = `retry rule ${rule.id} "${rule.name}"${rule.logOnly ? ' (log only)' : ''}`;
  const would = rule.logOnly ? ' would have' : '';
  switch (decision.kind) {
    case 'no_retry':
      return `${named}:${would} not retried`;
    case 'spent':
      return `${named}:${would} not retried: ${decision.why}`;
    case 'retry': {
      const changes = [
        decision.memoryMib === undefined ? '' : `, memory ${decision.memoryMib} MiB`,
        decision.timelimit === undefined ? '' : `, time limit ${decision.timelimit} s`,
        decision.delayMs === 0 ? '' : `, after ${decision.delayMs / 1000} s`,
      ].join('');
      return `${named}:${would} retried as attempt ${decision.attempt} of ${rule.maxAttempts}${changes}`;
    }
  }
}

/**
 * Why a rule cannot be stored, by field; empty when it can. The diagnostic pattern must compile,
 * the increase actions need a factor above 1, and
 * only they take a factor or a cap.
 */
export function retryRuleIssues(spec: RetryRuleSpec): FieldIssue[] {
  const issues: FieldIssue[] = [];
  if (spec.name.trim() === '') issues.push({ path: '/name', message: 'must not be empty' });
  if (spec.match.diagPattern !== null) {
    try {
      new RegExp(spec.match.diagPattern);
    } catch (error) {
      issues.push({
        path: '/match/diagPattern',
        message: `is not a regular expression: ${(error as Error).message}`,
      });
    }
  }
  const increases = spec.action === 'increase_memory' || spec.action === 'increase_timelimit';
  if (increases && (spec.factor === null || spec.factor <= 1))
    issues.push({ path: '/factor', message: `${spec.action} needs a factor above 1` });
  if (!increases && (spec.factor !== null || spec.cap !== null))
    issues.push({
      path: spec.factor !== null ? '/factor' : '/cap',
      message: `only increase_memory and increase_timelimit take one`,
    });
  return issues;
}
