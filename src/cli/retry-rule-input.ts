// `p3s retry-rule add`'s flags as the API's body, and the API's field paths back as the flags
// the user typed, so a refused rule names `--diag`, not `/body/match/diagPattern`.

import { InvalidArgumentError } from '@commander-js/extra-typings';
import type { RetryAction } from '../core/index.ts';
import type { AddRetryRuleBody } from '../protocol/schemas/retry-rules.ts';

export interface RetryRuleFlags {
  action: RetryAction;
  error?: string;
  exitCode?: number;
  signal?: string;
  diag?: string;
  jobType?: string;
  site?: string;
  maxAttempts?: number;
  delay?: number;
  delayFactor?: number;
  factor?: number;
  cap?: number;
  logOnly?: boolean;
}

/** Body field path (as the server names it) → the flag that sets it. */
const FLAG_OF_PATH: Record<string, string> = {
  '/body/name': 'NAME',
  '/body/action': '--action',
  '/body/match/errorName': '--error',
  '/body/match/exitCode': '--exit-code',
  '/body/match/signal': '--signal',
  '/body/match/diagPattern': '--diag',
  '/body/match/jobType': '--job-type',
  '/body/match/site': '--site',
  '/body/maxAttempts': '--max-attempts',
  '/body/delaySeconds': '--delay',
  '/body/delayFactor': '--delay-factor',
  '/body/factor': '--factor',
  '/body/cap': '--cap',
  '/body/logOnly': '--log-only',
};

export function flagOfPath(path: string): string {
  return FLAG_OF_PATH[path] ?? path.replace(/^\/body/, '');
}

/** The body of POST /api/v1/retry-rules: only the flags given (the server fills the defaults). */
export function retryRuleBody(name: string, flags: RetryRuleFlags): AddRetryRuleBody {
  const match = {
    ...(flags.error === undefined ? {} : { errorName: flags.error as never }),
    ...(flags.exitCode === undefined ? {} : { exitCode: flags.exitCode }),
    ...(flags.signal === undefined ? {} : { signal: flags.signal }),
    ...(flags.diag === undefined ? {} : { diagPattern: flags.diag }),
    ...(flags.jobType === undefined ? {} : { jobType: flags.jobType }),
    ...(flags.site === undefined ? {} : { site: flags.site }),
  };
  return {
    name,
    match,
    action: flags.action,
    ...(flags.maxAttempts === undefined ? {} : { maxAttempts: flags.maxAttempts }),
    ...(flags.delay === undefined ? {} : { delaySeconds: flags.delay }),
    ...(flags.delayFactor === undefined ? {} : { delayFactor: flags.delayFactor }),
    ...(flags.factor === undefined ? {} : { factor: flags.factor }),
    ...(flags.cap === undefined ? {} : { cap: flags.cap }),
    ...(flags.logOnly ? { logOnly: true } : {}),
  };
}

/** A finite number (fractions allowed); the server checks its range. */
export function numberArg(value: string): number {
  const n = value.trim() === '' ? Number.NaN : Number(value);
  if (!Number.isFinite(n)) throw new InvalidArgumentError(`expected a number, got "${value}".`);
  return n;
}
