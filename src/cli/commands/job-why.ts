// `p3s job why ID`: why a job is waiting (or how it ended), one sentence a reason; --json gives
// the server's structured reasons (code, message, data). An unknown id is the API's 404, exit 1.

import type { Command } from '@commander-js/extra-typings';
import { idArg } from '../args.ts';
import { connect, output, withClientOptions } from './common.ts';

export function addWhyCommand(job: Command): void {
  withClientOptions(
    job
      .command('why')
      .description('explain why a job is waiting: pilots, queue, workflow parents, holder or how it ended')
      .argument('<id>', 'job id', idArg),
  ).action(async (id, opts) => {
    const out = output(opts);
    const why = await connect(opts).client.jobWhy(id);
    if (out.json) return out.data(why);
    out.line(`job ${why.jobId} is ${out.jobState(why.state)}:`);
    for (const reason of why.reasons) out.line(`  - ${reason.message}`);
  });
}
