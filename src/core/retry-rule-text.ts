// A retry rule in words, the same in the CLI's table and the monitor's: what it matches and
// what it does. Pure; core/retry-rules.ts decides, this only describes.

import type { RetryMatch, RetryRuleSpec } from './retry-rules.ts';

/** `error=lost exit=3 diag=/oom/`; `any failure` when the rule matches everything. */
export function describeMatch(match: RetryMatch): string {
  const parts = [
    match.errorName === null ? '' : `error=${match.errorName}`,
    match.exitCode === null ? '' : `exit=${match.exitCode}`,
    match.signal === null ? '' : `signal=${match.signal}`,
    match.diagPattern === null ? '' : `diag=/${match.diagPattern}/`,
    match.jobType === null ? '' : `jobtype=${match.jobType}`,
    match.site === null ? '' : `site=${match.site}`,
  ].filter((part) => part !== '');
  return parts.length === 0 ? 'any failure' : parts.join(' ');
}

/** `60s`, `60s ×2` (growing), or `-` for none. */
export function describeDelay(rule: Pick<RetryRuleSpec, 'delaySeconds' | 'delayFactor'>): string {
  if (rule.delaySeconds === 0) return '-';
  return rule.delayFactor === 1 ? `${rule.delaySeconds}s` : `${rule.delaySeconds}s ×${rule.delayFactor}`;
}

/** `×1.5 ≤ 8000`, `×2`, or `-` when the action changes no request. */
export function describeIncrease(rule: Pick<RetryRuleSpec, 'factor' | 'cap'>): string {
  if (rule.factor === null) return '-';
  return rule.cap === null ? `×${rule.factor}` : `×${rule.factor} ≤ ${rule.cap}`;
}
