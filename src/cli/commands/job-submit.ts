// `p3s job submit`: sends a P3S job JSON list (as P3S job.py -j did), optionally one copy per
// input file (-f), N copies (-N) or extra env (--env); with --wait it follows the jobs to their end.

import { type Command, Option } from '@commander-js/extra-typings';
import { monotonicNow } from '../../core/clock.ts';
import { MAX_READ_WAIT_SECONDS } from '../../core/defaults.ts';
import { formatIds } from '../../core/format.ts';
import { ApiError } from '../../protocol/client.ts';
import type { JobWire } from '../../protocol/schemas/jobs.ts';
import { collectEnvAssignment, intArg, listArg, secondsArg } from '../args.ts';
import { CliError, Exit } from '../errors.ts';
import { describeSubmitIssues, expandJobs, loadJobInput } from '../job-input.ts';
import { waitForJobs } from '../job-wait.ts';
import { formatDuration, type Output, truncate } from '../output.ts';
import { explainInterrupt } from '../signals.ts';
import {
  caFileOption,
  connect,
  dataDirOption,
  idempotencyKeyOption,
  jsonOption,
  output,
  replayedNote,
  serverOption,
  sleep,
  tokenOption,
} from './common.ts';

export function addSubmitCommand(job: Command): void {
  job
    .command('submit')
    .description('submit the jobs of a P3S job JSON list')
    .argument('[file]', 'job JSON file (a list of job objects), - for stdin, or the JSON text itself')
    .addOption(new Option('-j, --json-in <file>', 'the job JSON file (P3S job.py -j); same as FILE'))
    .addOption(
      new Option(
        '-f, --filename <inputs>',
        'set env.P3S_INPUT_FILE on every job; a comma list makes one copy per file',
      ).argParser(listArg),
    )
    .addOption(
      new Option('-N, --number <copies>', 'submit this many copies of every job')
        .argParser(intArg(1, 10_000))
        .default(1),
    )
    .addOption(
      new Option('--env <NAME=value>', 'set an env variable on every job (repeatable)').argParser(
        collectEnvAssignment,
      ),
    )
    .addOption(
      new Option('--user <name>', "submit on behalf of this user (admins only; default: the token's name)"),
    )
    .addOption(idempotencyKeyOption())
    .addOption(new Option('--wait', 'wait until every job has ended; exit 1 if any failed or was cancelled'))
    .addOption(
      new Option(
        '--progress-every <s>',
        'with --wait: refresh the progress at least this often (the end shows at once)',
      )
        .argParser(secondsArg(0.1, false, MAX_READ_WAIT_SECONDS))
        .default(1),
    )
    .addOption(
      new Option('--dry-run', 'print the job list that would be sent, send nothing').conflicts('wait'),
    )
    .addOption(serverOption())
    .addOption(tokenOption())
    .addOption(caFileOption())
    .addOption(dataDirOption())
    .addOption(jsonOption())
    .action(async (file, opts) => {
      const out = output(opts);
      if (file !== undefined && opts.jsonIn !== undefined) {
        throw new CliError('give the job file once: as FILE or with -j', { exitCode: 2 });
      }
      const arg = file ?? opts.jsonIn;
      if (arg === undefined)
        throw new CliError('missing the job file (see p3s job submit --help)', { exitCode: 2 });
      if (opts.filename !== undefined && opts.filename.length === 0) {
        throw new CliError('-f needs at least one input file name', { exitCode: 2 });
      }
      const input = await loadJobInput(arg);
      const jobs = expandJobs(input.jobs, { files: opts.filename, copies: opts.number, env: opts.env });
      if (opts.dryRun) return out.data(jobs);
      const { client } = connect(opts);
      let submitted: JobWire[];
      let replayed = false;
      try {
        const key = { idempotencyKey: opts.idempotencyKey };
        ({ jobs: submitted, replayed } = await client.submitJobs(jobs as unknown[], opts.user, key));
      } catch (error) {
        // Problems of the jobs are listed by job; a reused key is said as the server said it.
        const perJob = error instanceof ApiError && error.details.length > 0;
        if (!perJob || error.code === 'idempotency_key_reused') throw error;
        const details = describeSubmitIssues(error.details, jobs);
        const n = details.length;
        throw new CliError(`${input.source}: ${n} problem${n === 1 ? '' : 's'}, nothing was submitted`, {
          details,
        });
      }
      if (replayed) out.note(replayedNote(opts.idempotencyKey));
      const ids = submitted.map((j) => j.id);
      if (!opts.wait) {
        if (out.json) out.data({ jobs: submitted, replayed });
        else printSubmitted(out, submitted);
        return;
      }
      if (!out.json) printSubmitted(out, submitted);
      const started = monotonicNow();
      const uninstall = explainInterrupt(
        (text) => out.note(text),
        () => stillRunning(ids),
      );
      const final = await waitForJobs(client, ids, out, sleep, opts.progressEvery);
      uninstall();
      if (out.json) out.data({ jobs: final });
      else printOutcome(out, final, monotonicNow() - started);
      if (final.some((j) => j.state !== 'finished')) throw new Exit(1);
    });
}

/** What Ctrl-C on --wait says: the jobs run on, and how to follow or cancel them. */
export function stillRunning(ids: number[]): string[] {
  const some = ids.length === 1 ? `job ${ids[0]} keeps` : `the ${ids.length} jobs keep`;
  const list = formatIds(ids).replaceAll(' ', ',');
  const kill = ids.length <= 10 ? ids.join(' ') : 'ID…';
  return [
    `p3s: stopped waiting; ${some} running on the server.`,
    `  follow: p3s job list --ids ${list}${ids.length === 1 ? `   p3s job logs ${ids[0]} --follow` : ''}`,
    `  cancel: p3s job kill ${kill}`,
  ];
}

function printSubmitted(out: Output, jobs: JobWire[]): void {
  out.line(
    `submitted ${jobs.length} job${jobs.length === 1 ? '' : 's'}: ${formatIds(jobs.map((j) => j.id))}`,
  );
  const parked = jobs.filter((j) => j.state === 'template');
  if (parked.length > 0) {
    out.note(
      `${parked.length} job${parked.length === 1 ? ' is' : 's are'} parked as template; ` +
        'release with: p3s job adjust ID --state defined',
    );
  }
}

function printOutcome(out: Output, jobs: JobWire[], elapsedMs: number): void {
  const bad = jobs.filter((j) => j.state !== 'finished');
  if (bad.length === 0) {
    const what = jobs.length === 1 ? `job ${jobs[0]?.id}` : `all ${jobs.length} jobs`;
    out.line(`${what} finished in ${formatDuration(elapsedMs)}`);
    return;
  }
  out.line(`${jobs.length - bad.length} of ${jobs.length} finished; ${bad.length} did not:`);
  for (const j of bad) {
    const why = [j.errorName, j.errorDiag].filter(Boolean).join(': ');
    const label = j.name ? `job ${j.id} (${JSON.stringify(j.name)})` : `job ${j.id}`;
    out.line(`  ${label} ${out.jobState(j.state)}${why ? `: ${truncate(why, 100)}` : ''}`);
  }
  out.line(out.dim('see: p3s job show ID, p3s job logs ID --stderr'));
}
