// Retry rules in domain verbs, reached as `store.retryRules`: the rules are read by the transaction
// that fails a job (reports/end-attempt.ts), and kept here by the admin.

import type { RetryRule, RetryRuleSpec } from '../core/index.ts';

export interface RetryRuleStore {
  /** Every rule, oldest first. */
  listRetryRules(): Promise<RetryRule[]>;
  /** By id or by name. */
  getRetryRule(idOrName: number | string): Promise<RetryRule | undefined>;
  /** Stores a new rule; refuses a rule that cannot be applied or a name already taken. */
  addRetryRule(spec: RetryRuleSpec, createdBy: string, now: number): Promise<RetryRule>;
  /** Removes the rule; false when there was none. */
  deleteRetryRule(idOrName: number | string): Promise<boolean>;
}
