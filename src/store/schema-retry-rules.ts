// The retry_rules table (0012) as Kysely sees it: a match field left NULL matches anything;
// flags are 0/1.

import type { Generated, Selectable } from 'kysely';

export interface RetryRulesTable {
  id: Generated<number>;
  name: string;
  error_name: string | null;
  exit_code: number | null;
  signal: string | null;
  diag_pattern: string | null;
  job_type: string | null;
  site: string | null;
  action: string;
  max_attempts: number;
  delay_seconds: number;
  delay_factor: number;
  factor: number | null;
  cap: number | null;
  log_only: number;
  created_at: number;
  created_by: string;
}

export interface RetryRuleTables {
  retry_rules: RetryRulesTable;
}

export type RetryRuleRow = Selectable<RetryRulesTable>;
