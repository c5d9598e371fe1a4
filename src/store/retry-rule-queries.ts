// Reading and writing retry_rules rows, and their conversion to core's RetryRule.

import type { RetryAction, RetryRule, RetryRuleSpec } from '../core/index.ts';
import type { RetryRuleRow } from './schema-retry-rules.ts';
import type { Tx } from './transaction.ts';

export function toRetryRule(row: RetryRuleRow): RetryRule {
  return {
    id: row.id,
    name: row.name,
    match: {
      errorName: row.error_name,
      exitCode: row.exit_code,
      signal: row.signal,
      diagPattern: row.diag_pattern,
      jobType: row.job_type,
      site: row.site,
    },
    action: row.action as RetryAction,
    maxAttempts: row.max_attempts,
    delaySeconds: row.delay_seconds,
    delayFactor: Number(row.delay_factor),
    factor: row.factor === null ? null : Number(row.factor),
    cap: row.cap,
    logOnly: row.log_only !== 0,
    createdAt: Number(row.created_at),
    createdBy: row.created_by,
  };
}

export function retryRuleValues(spec: RetryRuleSpec) {
  return {
    name: spec.name,
    error_name: spec.match.errorName,
    exit_code: spec.match.exitCode,
    signal: spec.match.signal,
    diag_pattern: spec.match.diagPattern,
    job_type: spec.match.jobType,
    site: spec.match.site,
    action: spec.action,
    max_attempts: spec.maxAttempts,
    delay_seconds: spec.delaySeconds,
    delay_factor: spec.delayFactor,
    factor: spec.factor,
    cap: spec.cap,
    log_only: spec.logOnly ? 1 : 0,
  };
}

/** Every rule, as the transaction that fails a job sees them. */
export async function loadRetryRules(tx: Tx): Promise<RetryRule[]> {
  const rows = await tx.selectFrom('retry_rules').selectAll().orderBy('id').execute();
  return rows.map(toRetryRule);
}

export function findRetryRuleRow(tx: Tx, idOrName: number | string): Promise<RetryRuleRow | undefined> {
  const query = tx.selectFrom('retry_rules').selectAll();
  return (
    typeof idOrName === 'number' ? query.where('id', '=', idOrName) : query.where('name', '=', idOrName)
  ).executeTakeFirst();
}
