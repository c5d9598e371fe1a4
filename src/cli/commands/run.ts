// `p3s run`: runs one job description here, without a server, exactly as a pilot would (same
// runner, env layers, modes, sandbox, time limit, process-group kill, log files), echoes its
// output and exits with its status (P3S testwrapper.py, made faithful).

import { constants } from 'node:os';
import { join } from 'node:path';
import { type Command, Option } from '@commander-js/extra-typings';
import { DEFAULTS } from '../../core/defaults.ts';
import { isRedacted } from '../../core/env-secrets.ts';
import { resolveOutcome } from '../../core/outcome.ts';
import { ApiError, NetworkError } from '../../protocol/client.ts';
import { collectEnvAssignment, intArg, secondsArg } from '../args.ts';
import { CliError, Exit } from '../errors.ts';
import { loadJsonInput } from '../json-input.ts';
import { formatDuration, type Output } from '../output.ts';
import { pickRunJob, runLabel } from '../run-job.ts';
import { resolveDataDir } from '../settings.ts';
import { connect, output, withClientOptions } from './common.ts';

export function addRunCommand(program: Command): void {
  withClientOptions(
    program
      .command('run')
      .description('run a job description here, without a server, as a pilot would; exit with its status')
      .argument('[file]', 'job JSON file (a list of jobs or one job), - for stdin, or the JSON text itself')
      .addOption(
        new Option('-j, --json-in <file>', 'the job JSON file (P3S testwrapper.py -j); same as FILE'),
      )
      .addOption(
        new Option('--index <n>', 'which job of the list to run, 1 = the first')
          .argParser(intArg(1))
          .default(1),
      )
      .addOption(new Option('-p, --payload <command>', "run this payload instead of the job's"))
      .addOption(new Option('-f, --filename <input>', 'set env.P3S_INPUT_FILE'))
      .addOption(new Option('-o, --outfile <output>', 'set env.P3S_OUTPUT_FILE'))
      .addOption(new Option('--fcl <file>', 'set env.P3S_FCL'))
      .addOption(
        new Option('--env <NAME=value>', 'set a variable on the job (repeatable)').argParser(
          collectEnvAssignment,
        ),
      )
      .addOption(new Option('-s, --site <name>', "add the site's env, read from the server, under the job's"))
      .addOption(new Option('--work-dir <dir>', 'where the sandbox is made (default: <data dir>/work)'))
      .addOption(
        new Option(
          '--joblog-dir <dir>',
          'where the .out/.err files go (default: $P3S_JOBLOG or <data dir>/joblogs)',
        ),
      )
      .addOption(
        new Option('--kill-grace <s>', 'seconds between SIGTERM and SIGKILL at the time limit')
          .argParser(secondsArg(0))
          .default(DEFAULTS.killGraceSeconds as number),
      )
      .addOption(new Option('-x, --shell', 'run the payload through /bin/sh -c'))
      .addOption(new Option('-q, --quiet', "do not echo the payload's output (it is in the log files)")),
  ).action(async (file, opts) => {
    const out = output(opts);
    if (file !== undefined && opts.jsonIn !== undefined)
      throw new CliError('give the job file once: as FILE or with -j', { exitCode: 2 });
    const arg = file ?? opts.jsonIn;
    if (arg === undefined) throw new CliError('missing the job file (see p3s run --help)', { exitCode: 2 });
    const input = await loadJsonInput(arg, 'a P3S job JSON list');
    const env: [string, string][] = [...(opts.env ?? [])];
    if (opts.filename !== undefined) env.push(['P3S_INPUT_FILE', opts.filename]);
    if (opts.outfile !== undefined) env.push(['P3S_OUTPUT_FILE', opts.outfile]);
    if (opts.fcl !== undefined) env.push(['P3S_FCL', opts.fcl]);
    const job = pickRunJob(input.value, opts.index, { payload: opts.payload, env }, input.source);
    const siteEnv = opts.site === undefined ? undefined : await fetchSiteEnv(opts, opts.site, out);
    if (opts.site === undefined && job.site !== null)
      out.note(`note: the job asks for site ${job.site}; add --site ${job.site} to give it that site's env`);

    const dataDir = resolveDataDir(opts.dataDir);
    const workDir = opts.workDir ?? join(dataDir, DEFAULTS.workDir);
    const joblogDir = opts.joblogDir ?? (process.env.P3S_JOBLOG?.trim() || join(dataDir, DEFAULTS.joblogDir));
    const stop = new AbortController();
    let stopSignal: NodeJS.Signals | undefined;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stop.signal.aborted) return;
      stopSignal = signal;
      out.note(`p3s: ${signal}: killing the payload's process group`);
      stop.abort('killed');
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    const { runJobLocally } = await import('../../pilot/main.ts');
    let run: Awaited<ReturnType<typeof runJobLocally>>;
    try {
      run = await runJobLocally({
        payload: job.payload,
        env: job.env,
        siteEnv,
        timelimit: job.timelimit,
        workDir,
        joblogDir,
        label: runLabel(),
        killGrace: opts.killGrace,
        shell: opts.shell === true,
        echo: out.json || opts.quiet ? null : { stdout: process.stdout, stderr: process.stderr },
        signal: stop.signal,
      });
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    const { result } = run;
    const exitCode =
      result.kind === 'killed' && stopSignal !== undefined
        ? 128 + (constants.signals[stopSignal] ?? 2)
        : run.exitCode;
    const outcome = resolveOutcome(result.kind === 'killed' ? { kind: 'killed' } : result);
    const summary = {
      name: job.name,
      payload: job.payload,
      state: outcome.state,
      errorName: outcome.errorName,
      diag: outcome.diag,
      exitCode,
      pid: result.pid,
      seconds: (result.endedAt - result.startedAt) / 1000,
      metrics: result.metrics,
      sandbox: run.sandbox,
      logs: run.logs,
      jobUuid: run.jobUuid,
    };
    if (out.json) out.data(summary);
    else printEnd(out, summary);
    if (exitCode !== 0) throw new Exit(exitCode);
  });
}

/**
 * The site's env from the server; `p3s run` needs the server for nothing else. Values the server
 * shows this token redacted (its secrets are for admins and pilots) are left out, and said so.
 */
async function fetchSiteEnv(opts: { server?: string; dataDir?: string }, name: string, out: Output) {
  const { client, url } = connect(opts);
  try {
    const { env } = (await client.getSite(name)).site;
    const hidden = Object.keys(env).filter((key) => isRedacted(key, env[key] as string));
    if (hidden.length > 0)
      out.note(
        `note: site ${name}'s ${hidden.join(', ')} ${hidden.length === 1 ? 'is' : 'are'} shown only to admins and pilots: this run goes without ${hidden.length === 1 ? 'it' : 'them'}`,
      );
    return Object.fromEntries(Object.entries(env).filter(([key]) => !hidden.includes(key)));
  } catch (error) {
    if (error instanceof NetworkError)
      throw new CliError(`--site needs the server to read the env of site ${name}: ${error.message}`, {
        lines: ['  start the server (p3s up), point --server / P3S_SERVER at it, or run without --site'],
      });
    if (error instanceof ApiError && error.code === 'not_found')
      throw new CliError(`site ${name} is not defined on the server at ${url}`, {
        lines: ['  p3s site list shows the sites; p3s site define FILE.json defines one'],
      });
    throw error;
  }
}

function printEnd(
  out: Output,
  s: {
    state: string;
    errorName: string | null;
    diag: string | null;
    exitCode: number;
    seconds: number;
    sandbox: string;
    logs: { out: string; err: string };
  },
): void {
  const how =
    s.state === 'finished'
      ? out.jobState('finished')
      : `${out.jobState(s.state)} (${s.errorName}): ${s.diag}`;
  out.note(`p3s run: ${how} (exit status ${s.exitCode}) after ${formatDuration(s.seconds * 1000)}`);
  out.note(`  sandbox ${s.sandbox}`);
  out.note(`  logs    ${s.logs.out}, ${s.logs.err}`);
}
