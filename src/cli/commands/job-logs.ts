// `p3s job logs`: a job's stdout (or stderr) bytes as they are, from the server's capped copy;
// the part the cap dropped is marked on stderr, and --follow asks on until the log is complete:
// the server holds each of those requests until new bytes come or the job ends (a long-poll).

import { type Command, Option } from '@commander-js/extra-typings';
import { idArg, intArg } from '../args.ts';
import { caFileOption, connect, dataDirOption, output, serverOption, tokenOption } from './common.ts';

/** How long the server may hold one --follow request while the job writes nothing. */
const FOLLOW_WAIT_SECONDS = 30;

export function addLogsCommand(job: Command): void {
  job
    .command('logs')
    .description("print a job's output (stdout, or stderr with --stderr)")
    .argument('<id>', 'job id', idArg)
    .addOption(new Option('--stderr', 'the stderr stream instead of stdout'))
    .addOption(new Option('-f, --follow', 'keep printing new output until the job has ended'))
    .addOption(new Option('--attempt <n>', 'this attempt instead of the latest').argParser(intArg(1)))
    .addOption(serverOption())
    .addOption(tokenOption())
    .addOption(caFileOption())
    .addOption(dataDirOption())
    .addOption(new Option('--json', 'print each fetched slice as one JSON line'))
    .action(async (id, opts) => {
      const out = output(opts);
      const { client } = connect(opts);
      const stream = opts.stderr ? 'err' : 'out';
      let reading: number | undefined;
      let offset = 0;
      let wait = 0;
      for (;;) {
        const slice = await client.jobLogs(id, { stream, offset, attempt: opts.attempt, wait });
        if (reading !== undefined && slice.attempt !== reading && offset > 0) {
          // A retry started a new attempt while we followed: its log starts again at byte 0.
          if (!out.json) out.note(`[… attempt ${slice.attempt} …]`);
          reading = slice.attempt;
          offset = 0;
          continue;
        }
        reading = slice.attempt;
        if (out.json) {
          out.jsonLine(slice);
        } else {
          if (slice.omittedBefore > 0) out.note(`[… ${slice.omittedBefore} bytes omitted …]`);
          if (slice.data !== '') out.stdout.write(slice.data);
        }
        offset = slice.nextOffset;
        if (slice.data !== '' && offset < slice.totalBytes) continue;
        if (!opts.follow || slice.complete) break;
        wait = FOLLOW_WAIT_SECONDS;
      }
    });
}
