// `p3s retry-rule add|list|show|delete`: the automatic retry rules (PanDA's retrial module) that
// decide whether a failed attempt is tried again. Admins add and delete; anyone who reads jobs lists.

import { type Command, Option } from '@commander-js/extra-typings';
import {
  describeDelay,
  describeIncrease,
  describeMatch,
  JOB_ERRORS,
  RETRY_ACTIONS,
} from '../../core/index.ts';
import { ApiError } from '../../protocol/client.ts';
import type { RetryRuleWire } from '../../protocol/schemas/retry-rules.ts';
import { intArg } from '../args.ts';
import { CliError } from '../errors.ts';
import { formatTime, type Output } from '../output.ts';
import { flagOfPath, numberArg, retryRuleBody } from '../retry-rule-input.ts';
import { connect, output, withClientOptions } from './common.ts';

/** Digits name a rule by id, anything else by name (as the API reads its path). */
const ruleRef = (text: string): number | string => (/^\d+$/.test(text) ? Number(text) : text);

export function addRetryRuleCommands(program: Command): void {
  const group = program
    .command('retry-rule')
    .description('add, list, show and delete the rules that retry failed jobs automatically');

  withClientOptions(
    group
      .command('add')
      .description('add a retry rule (admins only); the most specific matching rule decides, then the newest')
      .argument('<name>', 'a unique name for the rule (not only digits)')
      .addOption(
        new Option('--action <action>', 'what to do with a matching failure')
          .choices(RETRY_ACTIONS)
          .makeOptionMandatory(),
      )
      .addOption(
        new Option('--error <name>', "match the failure's error name").choices(Object.keys(JOB_ERRORS)),
      )
      .addOption(
        new Option('--exit-code <n>', "match the payload's exit code").argParser(intArg(-2_147_483_648)),
      )
      .addOption(new Option('--signal <sig>', 'match the signal that ended the payload, e.g. SIGKILL'))
      .addOption(new Option('--diag <regex>', "match a regular expression in the failure's diagnostic"))
      .addOption(new Option('--job-type <type>', 'match jobs of this type'))
      .addOption(new Option('--site <site>', 'match attempts at this site'))
      .addOption(
        new Option(
          '--max-attempts <n>',
          'attempts in all, the first included (default 3; 1 for no_retry)',
        ).argParser(intArg(1, 100)),
      )
      .addOption(
        new Option('--delay <seconds>', 'wait before the retry (default 0)').argParser(intArg(0, 86_400)),
      )
      .addOption(
        new Option(
          '--delay-factor <f>',
          'each later retry waits this many times longer (1-10, default 1)',
        ).argParser(numberArg),
      )
      .addOption(
        new Option(
          '--factor <f>',
          'increase_memory / increase_timelimit: multiply the request by this',
        ).argParser(numberArg),
      )
      .addOption(new Option('--cap <n>', 'the ceiling of the increase (MiB or seconds)').argParser(intArg(1)))
      .addOption(new Option('--log-only', "only note in the job's history what the rule would have done")),
  ).action(async (name, opts) => {
    const out = output(opts);
    const { client } = connect(opts);
    let rule: RetryRuleWire;
    try {
      rule = (await client.addRetryRule(retryRuleBody(name, opts))).rule;
    } catch (error) {
      if (!(error instanceof ApiError) || error.code !== 'validation_failed') throw error;
      throw new CliError(`retry rule ${JSON.stringify(name)} not added`, {
        details: error.details.map((d) => ({ path: flagOfPath(d.path), message: d.message })),
      });
    }
    if (out.json) return out.data({ rule });
    out.line(`retry rule ${rule.id} "${rule.name}" added: ${summary(rule)}`);
  });

  withClientOptions(group.command('list').alias('ls').description('list the retry rules')).action(
    async (opts) => {
      const out = output(opts);
      const { rules } = await connect(opts).client.listRetryRules();
      if (out.json) return out.data({ rules });
      if (rules.length === 0)
        return out.line('no retry rules: failed jobs stay failed (add one with: p3s retry-rule add)');
      out.table(
        ['ID', 'NAME', 'MATCH', 'ACTION', 'ATTEMPTS', 'DELAY', 'FACTOR/CAP', 'LOG-ONLY', 'CREATED BY'],
        rules.map((r) => [
          r.id,
          r.name,
          describeMatch(r.match),
          r.action,
          r.maxAttempts,
          describeDelay(r),
          describeIncrease(r),
          r.logOnly ? 'yes' : 'no',
          r.createdBy,
        ]),
        { alignRight: [0, 4] },
      );
    },
  );

  withClientOptions(
    group.command('show').description('show one retry rule').argument('<rule>', 'rule id or name'),
  ).action(async (ref, opts) => {
    const out = output(opts);
    const { rule } = await connect(opts).client.getRetryRule(ruleRef(ref));
    if (out.json) return out.data({ rule });
    printRule(out, rule);
  });

  withClientOptions(
    group
      .command('delete')
      .alias('rm')
      .description('delete a retry rule (admins only); jobs already retried keep their attempts')
      .argument('<rule>', 'rule id or name'),
  ).action(async (ref, opts) => {
    const out = output(opts);
    const reply = await connect(opts).client.deleteRetryRule(ruleRef(ref));
    if (out.json) return out.data(reply);
    out.line(`retry rule ${ref}: deleted`);
  });
}

function summary(rule: RetryRuleWire): string {
  const attempts = rule.action === 'no_retry' ? '' : ` up to ${rule.maxAttempts} attempts`;
  return `${describeMatch(rule.match)} → ${rule.action}${attempts}${rule.logOnly ? ' (log only)' : ''}`;
}

function printRule(out: Output, rule: RetryRuleWire): void {
  const rows: [string, string][] = [
    ['match', describeMatch(rule.match)],
    ['action', rule.action],
    ['max attempts', String(rule.maxAttempts)],
    ['delay', describeDelay(rule)],
    ['factor/cap', describeIncrease(rule)],
    ['log only', rule.logOnly ? 'yes: notes what it would do, does nothing' : 'no'],
    ['created', `${formatTime(rule.createdAt)} by ${rule.createdBy}`],
  ];
  out.line(`retry rule ${rule.id} "${rule.name}"`);
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [key, value] of rows) out.line(`  ${key.padEnd(width)}  ${value}`);
}
