// `p3s audit`: the server's audit trail (admins only), newest first: who created, changed,
// killed, retried, deleted or was refused what, and when.

import { type Command, Option } from '@commander-js/extra-typings';
import { auditQueryFrom, objectFilterArg } from '../access.ts';
import { durationArg, intArg } from '../args.ts';
import { formatShortTime, truncate } from '../output.ts';
import { connect, output, withClientOptions } from './common.ts';

export function addAuditCommand(program: Command): void {
  withClientOptions(
    program
      .command('audit')
      .description('show the audit trail, newest first (admins only)')
      .addOption(new Option('--actor <name>', 'only what this identity did'))
      .addOption(new Option('--action <action>', 'only this action, e.g. job.kill, token.create'))
      .addOption(
        new Option('--object <type[:id]>', 'only this kind of object, or this one object (job:12)').argParser(
          objectFilterArg,
        ),
      )
      .addOption(
        new Option('--outcome <outcome>', 'only allowed or only refused actions').choices([
          'ok',
          'denied',
        ] as const),
      )
      .addOption(new Option('--since <duration>', 'only the last 1h, 2d, …').argParser(durationArg))
      .addOption(
        new Option('--limit <n>', 'show at most n events (1-1000)').argParser(intArg(1, 1000)).default(100),
      ),
  ).action(async (opts) => {
    const out = output(opts);
    const { client } = connect(opts);
    const page = await client.audit(auditQueryFrom(opts, Date.now()));
    if (out.json) return out.data(page);
    if (page.events.length === 0) return out.line('no audit events match');
    const now = Date.now();
    out.table(
      ['TIME', 'ACTOR', 'ROLE', 'ACTION', 'OBJECT', 'OUTCOME', 'DETAIL'],
      page.events.map((e) => [
        formatShortTime(e.at, now),
        e.actor,
        e.role,
        e.action,
        e.objectId === null ? e.objectType : `${e.objectType}:${e.objectId}`,
        e.outcome === 'denied' ? out.colors.red(e.outcome) : e.outcome,
        truncate(e.detail ?? '', 60),
      ]),
    );
    if (page.total > page.events.length)
      out.line(out.dim(`${page.events.length} of ${page.total} (--limit, --since or filters for others)`));
  });
}
