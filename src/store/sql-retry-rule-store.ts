// RetryRuleStore over Kysely for both dialects: single-row statements in a write transaction.

import type { Kysely } from 'kysely';
import safeRegex from 'safe-regex2';
import {
  AlreadyExistsError,
  type FieldIssue,
  type RetryRule,
  type RetryRuleSpec,
  retryRuleIssues,
  ValidationError,
} from '../core/index.ts';
import { findRetryRuleRow, retryRuleValues, toRetryRule } from './retry-rule-queries.ts';
import type { RetryRuleStore } from './retry-rule-store.ts';
import type { Database } from './schema.ts';
import { guardStore } from './store-errors.ts';
import type { Transact } from './transaction.ts';

/**
 * Nested repetition can take exponential time, and patterns run in the transaction that fails a
 * job: one such pattern would stall every failing job. (A library's judgement, so not in core.)
 */
function patternCost({ match }: RetryRuleSpec): FieldIssue[] {
  if (match.diagPattern === null || safeRegex(match.diagPattern)) return [];
  return [
    { path: '/match/diagPattern', message: 'may take exponential time (nested repetition): simplify it' },
  ];
}

/** PostgreSQL's unique_violation. */
const UNIQUE_VIOLATION = '23505';

function taken(name: string): AlreadyExistsError {
  return new AlreadyExistsError(
    'retry rule',
    JSON.stringify(name),
    'delete it first, or choose another name',
  );
}

export class SqlRetryRuleStore implements RetryRuleStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly transact: Transact,
  ) {}

  listRetryRules(): Promise<RetryRule[]> {
    return guardStore(async () => {
      const rows = await this.db.selectFrom('retry_rules').selectAll().orderBy('id').execute();
      return rows.map(toRetryRule);
    });
  }

  getRetryRule(idOrName: number | string): Promise<RetryRule | undefined> {
    return guardStore(async () => {
      const row = await findRetryRuleRow(this.db, idOrName);
      return row && toRetryRule(row);
    });
  }

  async addRetryRule(spec: RetryRuleSpec, createdBy: string, now: number): Promise<RetryRule> {
    const issues = retryRuleIssues(spec);
    if (!issues.some((issue) => issue.path === '/match/diagPattern')) issues.push(...patternCost(spec));
    const [first] = issues;
    if (first) throw new ValidationError(`retry rule: ${first.path.slice(1)} ${first.message}`, issues);
    return guardStore(() =>
      this.transact(async (tx) => {
        if (await findRetryRuleRow(tx, spec.name)) throw taken(spec.name);
        const row = await tx
          .insertInto('retry_rules')
          .values({ ...retryRuleValues(spec), created_at: now, created_by: createdBy })
          .returningAll()
          .executeTakeFirstOrThrow()
          .catch((error: unknown) => {
            // Two admins adding one name at once on PostgreSQL: the second meets the unique index.
            if ((error as { code?: unknown }).code === UNIQUE_VIOLATION) throw taken(spec.name);
            throw error;
          });
        return toRetryRule(row);
      }),
    );
  }

  deleteRetryRule(idOrName: number | string): Promise<boolean> {
    return guardStore(() =>
      this.transact(async (tx) => {
        const row = await findRetryRuleRow(tx, idOrName);
        if (!row) return false;
        await tx.deleteFrom('retry_rules').where('id', '=', row.id).execute();
        return true;
      }),
    );
  }
}
