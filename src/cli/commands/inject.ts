// `p3s inject DIR --dag NAME | --job FILE.json`: P3S's injector done properly. It watches a directory
// and, once per new file matching --pattern whose size stopped changing, creates a workflow whose entry
// edges point at the file (or submits the job list with P3S_INPUT_FILE set), logging every action.

import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Command, Option } from '@commander-js/extra-typings';
import { ApiError, NetworkError, type P3sClient } from '../../protocol/client.ts';
import { secondsArg } from '../args.ts';
import { CliError, Exit } from '../errors.ts';
import { readFileinfo, readJobinfo } from '../info-input.ts';
import {
  decideScan,
  entryEdgeKeys,
  entryFileinfo,
  type FileSighting,
  globToRegExp,
  type Watch,
} from '../inject-decisions.ts';
import { defaultStatePath, type Injected, loadInjectState, saveInjectState } from '../inject-state.ts';
import { expandJobs, loadJobInput } from '../job-input.ts';
import { formatTime, type Output } from '../output.ts';
import { connect, output, sleep, withClientOptions } from './common.ts';

/** What to do with one ready file; resolves with what was created. */
type Injector = (name: string, size: number) => Promise<Omit<Injected, 'at' | 'size'>>;

export function addInjectCommand(program: Command): void {
  withClientOptions(
    program
      .command('inject')
      .description('watch a directory: each new file starts a workflow (--dag) or a job (--job), once')
      .argument('<dir>', 'directory to watch (not recursive)')
      .addOption(
        new Option('--dag <name>', 'create a workflow of this DAG per file; its entry edges get the file'),
      )
      .addOption(
        new Option('--job <file>', 'submit this job list per file, with env.P3S_INPUT_FILE set to it'),
      )
      .addOption(
        new Option('--pattern <glob>', 'only file names matching this glob (*, ?, [..])').default('*'),
      )
      .addOption(
        new Option('--stable-seconds <s>', 'inject a file once its size and mtime stood still this long')
          .argParser(secondsArg(0))
          .default(5),
      )
      .addOption(
        new Option('--interval <s>', 'seconds between directory scans').argParser(secondsArg(0.1)).default(1),
      )
      .addOption(
        new Option('--once', 'inject what is there (waiting for files still being written), then exit'),
      )
      .addOption(
        new Option('-j, --jobinfo <jobinfo>', 'with --dag: per-vertex changes for every workflow (JSON)'),
      )
      .addOption(
        new Option(
          '-f, --fileinfo <fileinfo>',
          'with --dag: per-edge {"SOURCE:TARGET[#N]": {name, dirpath, comment}} for every workflow (JSON); entry edges get the file',
        ),
      )
      .addOption(
        new Option(
          '-o, --output-dir <dir>',
          "with --dag: directory of every file the fileinfo gives none (default: each edge's dirpath in the DAG)",
        ),
      )
      .addOption(
        new Option('--state-file <path>', 'where to remember injected files (default: under the data dir)'),
      ),
  ).action(async (dirArg, opts) => {
    const out = output(opts);
    if ((opts.dag === undefined) === (opts.job === undefined)) {
      throw new CliError('give exactly one of --dag NAME and --job FILE.json', { exitCode: 2 });
    }
    const dir = resolve(dirArg);
    try {
      if (!statSync(dir).isDirectory()) throw new Error('not a directory');
    } catch (error) {
      throw new CliError(`cannot watch ${dir}: ${(error as Error).message}`);
    }
    if (opts.job !== undefined && (opts.fileinfo ?? opts.outputDir ?? opts.jobinfo) !== undefined) {
      throw new CliError('-f, -j and -o go with --dag; a --job list names its files itself', { exitCode: 2 });
    }
    const connection = connect(opts);
    const target = opts.dag !== undefined ? `dag:${opts.dag}` : `job:${resolve(opts.job as string)}`;
    const statePath = opts.stateFile ?? defaultStatePath(connection.dataDir, dir, target);
    const state = loadInjectState(statePath, dir, target);
    const log = logger(out);
    const inject =
      opts.dag !== undefined
        ? await dagInjector(connection.client, opts.dag, dir, {
            jobinfo: readJobinfo(opts.jobinfo),
            fileinfo: injectFileinfo(opts.fileinfo),
            outputDir: opts.outputDir === undefined ? undefined : resolve(opts.outputDir),
            warn: (text) => log('', text),
          })
        : await jobInjector(connection.client, opts.job as string, dir);
    const pattern = globToRegExp(opts.pattern);
    log(
      '',
      `watching ${dir} for ${opts.pattern} → ${target}; ${Object.keys(state.processed).length} file(s) injected before (${statePath})`,
    );

    let stopping = false;
    const stop = () => {
      stopping = true;
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    let watches = new Map<string, Watch>();
    const failedThisRun = new Set<string>();
    let failures = 0;
    while (!stopping) {
      const sightings = scan(dir, pattern);
      const skip = new Set([...Object.keys(state.processed), ...failedThisRun]);
      const decision = decideScan(sightings, watches, skip, Date.now(), opts.stableSeconds * 1000);
      for (const name of decision.waiting)
        if (!watches.has(name)) log(name, 'waiting until it stops changing');
      watches = decision.watches;
      for (const name of decision.ready) {
        if (stopping) break;
        const size = sightings.find((s) => s.name === name)?.size ?? 0;
        try {
          const done = await inject(name, size);
          state.processed[name] = { at: Date.now(), size, ...done };
          saveInjectState(statePath, state);
          log(name, describeDone(done), done);
        } catch (error) {
          // An unreachable server is retried at the next scan; a refusal is not retried in this run.
          if (error instanceof NetworkError) {
            log(name, `not injected, will retry: ${error.message}`);
            continue;
          }
          if (!(error instanceof ApiError || error instanceof CliError)) throw error;
          failedThisRun.add(name);
          failures++;
          const details =
            error instanceof ApiError ? error.details.map((d) => ` ${d.path}: ${d.message}`).join(';') : '';
          log(name, `refused: ${error.message}${details}`);
        }
      }
      if (opts.once && decision.waiting.length === 0) break;
      await sleep(opts.interval * 1000);
    }
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    log('', stopping ? 'stopped' : 'done');
    if (failures > 0) throw new Exit(1);
  });
}

/** Regular files of `dir` whose names match, with size and mtime. */
function scan(dir: string, pattern: RegExp): FileSighting[] {
  const sightings: FileSighting[] = [];
  for (const name of readdirSync(dir)) {
    if (!pattern.test(name)) continue;
    try {
      const stat = statSync(join(dir, name));
      if (stat.isFile()) sightings.push({ name, size: stat.size, mtimeMs: stat.mtimeMs });
    } catch {
      // Removed between the listing and the stat: it is simply not there.
    }
  }
  return sightings;
}

/** --fileinfo for inject: per-edge JSON only, since each injected workflow needs files of its own. */
function injectFileinfo(arg: string | undefined): Record<string, unknown> | undefined {
  const fileinfo = readFileinfo(arg);
  if (typeof fileinfo !== 'string') return fileinfo;
  throw new CliError(`-f ${fileinfo}: inject takes per-edge fileinfo JSON`, {
    exitCode: 2,
    lines: [
      '  sticky and inherit: give every workflow the same file names, so the workflows of two injected',
      '  files would write over each other; without -f each workflow gets files of its own',
    ],
  });
}

interface DagInjection {
  jobinfo: Record<string, unknown> | undefined;
  fileinfo: Record<string, unknown> | undefined;
  outputDir: string | undefined;
  warn: (text: string) => void;
}

async function dagInjector(
  client: P3sClient,
  dag: string,
  dir: string,
  { jobinfo, fileinfo, outputDir, warn }: DagInjection,
): Promise<Injector> {
  const detail = await client.getDag(dag);
  const keys = entryEdgeKeys(detail.edges, detail.vertices, detail.sources);
  if (keys.length === 0) {
    throw new CliError(`DAG ${dag} has no entry edge to give the file to`, {
      lines: ['  an entry edge leaves a noop source vertex (as NOOP1 → filter1 in 3filters.graphml)'],
    });
  }
  const entrySources = new Set(keys.map((k) => k.slice(0, k.indexOf(':'))));
  if (outputDir === undefined) {
    // A DAG written elsewhere names its machine's directories (P3S's /afs/…): say so before jobs fail.
    const dirs = detail.edges.filter((e) => !entrySources.has(e.source)).map((e) => e.dirpath);
    const missing = [...new Set(dirs)].filter((d) => d !== '' && !existsSync(d));
    if (missing.length > 0)
      warn(
        `the DAG's files go to ${missing.join(', ')}, which does not exist here; -o DIR puts them elsewhere`,
      );
  }
  return async (name) => {
    // The server knows the file if a crash came between creating its workflow and noting it here.
    const earlier = await injectedBefore(client, dag, dir, name, entrySources);
    if (earlier !== undefined) return { workflowId: earlier };
    const created = await client.createWorkflow({
      dag,
      name: `${dag}-${name}`.slice(0, 256),
      state: 'defined',
      fileinfo: entryFileinfo(keys, dir, name, fileinfo),
      ...(jobinfo === undefined ? {} : { jobinfo }),
      ...(outputDir === undefined ? {} : { dirpath: outputDir }),
    });
    return { workflowId: created.workflow.id };
  };
}

/** The workflow of `dag` whose entry file is `dir/name`, if one exists. */
async function injectedBefore(
  client: P3sClient,
  dag: string,
  dir: string,
  name: string,
  entrySources: Set<string>,
): Promise<number | undefined> {
  const { datasets } = await client.listDatasets({ name, limit: 1000 });
  const candidates = datasets.filter(
    (d) => d.workflowId !== null && d.dirpath === dir && d.source !== null && entrySources.has(d.source),
  );
  for (const id of new Set(candidates.map((d) => d.workflowId as number))) {
    const workflow = await client.getWorkflow(id).catch(() => undefined);
    if (workflow?.workflow.dag === dag) return id;
  }
  return undefined;
}

async function jobInjector(client: P3sClient, file: string, dir: string): Promise<Injector> {
  const input = await loadJobInput(file);
  return async (name) => {
    const jobs = expandJobs(input.jobs, { files: [join(dir, name)] });
    const submitted = await client.submitJobs(jobs as unknown[]);
    return { jobIds: submitted.jobs.map((j) => j.id) };
  };
}

function describeDone(done: Omit<Injected, 'at' | 'size'>): string {
  if (done.workflowId !== undefined) return `workflow ${done.workflowId}`;
  const ids = done.jobIds ?? [];
  return `submitted job${ids.length === 1 ? '' : 's'} ${ids.join(' ')}`;
}

/** One line per action: `2024-05-01 14:03:07 input.txt: workflow 12` (or a JSON line with --json). */
function logger(out: Output) {
  return (file: string, message: string, done?: Omit<Injected, 'at' | 'size'>) => {
    if (out.json) {
      out.jsonLine({ at: Date.now(), file: file || null, message, ...done });
      return;
    }
    out.line(`${formatTime(Date.now())} ${file ? `${file}: ` : ''}${message}`);
  };
}
