// Reading what `p3s job submit` sends: a P3S job JSON list from a file, stdin or a literal
// string, expanded for -f (one copy per input file), -N (copies) and --env, otherwise unchanged.

import { readFileSync, statSync } from 'node:fs';
import { formatIds } from '../core/format.ts';
import { CliError } from './errors.ts';
import { parseJsonText } from './json-text.ts';

export interface JobInput {
  /** File name (or `<stdin>`, `<argument>`) used in messages. */
  source: string;
  jobs: unknown;
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * `arg` is a path, `-` for stdin, or (as P3S's takeJson allowed) the JSON text itself.
 * A path that does not exist and does not look like JSON is reported as a missing file.
 */
export async function loadJobInput(
  arg: string,
  stdin: NodeJS.ReadableStream = process.stdin,
): Promise<JobInput> {
  const input = await readJobInput(arg, stdin);
  requireList(input);
  return input;
}

async function readJobInput(arg: string, stdin: NodeJS.ReadableStream): Promise<JobInput> {
  if (arg === '-') return { source: '<stdin>', jobs: parseJsonText(await readAll(stdin), '<stdin>') };
  if (isFile(arg)) {
    let text: string;
    try {
      text = readFileSync(arg, 'utf8');
    } catch (error) {
      throw new CliError(`cannot read ${arg}: ${(error as Error).message}`);
    }
    return { source: arg, jobs: parseJsonText(text, arg) };
  }
  if (/^\s*[[{]/.test(arg)) return { source: '<argument>', jobs: parseJsonText(arg, '<argument>') };
  throw new CliError(`no such file: ${arg}`, {
    lines: ['  give a P3S job JSON file (a list of job objects), - for stdin, or the JSON text itself'],
  });
}

/** A P3S job file is a list; a lone job object is the likeliest slip, so say how to wrap it. */
function requireList({ source, jobs }: JobInput): void {
  if (Array.isArray(jobs)) return;
  const single = typeof jobs === 'object' && jobs !== null;
  throw new CliError(
    `${source}: a job file is a list of job objects, and this is ${single ? 'one object' : `a ${jobs === null ? 'null' : typeof jobs}`}`,
    {
      exitCode: 2,
      lines: [
        single
          ? '  wrap the job in [ ]: [{"name": …}] (P3S job files are lists, even of one job)'
          : '  write [{"name": …, "payload": …}, …]',
      ],
    },
  );
}

export interface Expansion {
  /** Input files for env.P3S_INPUT_FILE; one copy of every job per file. */
  files?: string[];
  /** Copies of every job (per file, when files are given). */
  copies?: number;
  /** Variables set on every job (P3S job.py -V was this for DUNETPCVER). */
  env?: [string, string][];
}

/**
 * P3S semantics of -f/-N: each job is copied once per input file (its env.P3S_INPUT_FILE set,
 * env created when missing) and `copies` times; order is file, copy, job. No flags: unchanged.
 */
export function expandJobs(jobs: unknown, { files, copies = 1, env = [] }: Expansion): unknown {
  const fileList = files ?? [];
  if (fileList.length === 0 && copies === 1 && env.length === 0) return jobs;
  if (!Array.isArray(jobs)) throw new CliError('-f, -N and --env need a list of job objects ([{…}, …])');
  const out: unknown[] = [];
  for (const file of fileList.length > 0 ? fileList : [undefined]) {
    const vars: [string, string][] = file === undefined ? env : [...env, ['P3S_INPUT_FILE', file]];
    for (let copy = 0; copy < copies; copy++) {
      for (const job of jobs) out.push(withEnv(job, vars));
    }
  }
  return out;
}

function withEnv(job: unknown, vars: [string, string][]): unknown {
  const copy = structuredClone(job);
  if (vars.length === 0 || typeof copy !== 'object' || copy === null || Array.isArray(copy)) return copy;
  const obj = copy as Record<string, unknown>;
  if (obj.env === undefined || obj.env === null) obj.env = {};
  // Any other env is left as it is: the server names the field when it rejects it.
  if (typeof obj.env !== 'object' || Array.isArray(obj.env)) return copy;
  for (const [name, value] of vars) (obj.env as Record<string, unknown>)[name] = value;
  return copy;
}

interface Issue {
  path: string;
  message: string;
}

/** One problem and the jobs (indices in the submitted list) that have it. */
interface IssueGroup {
  field: string | undefined;
  message: string;
  indices: number[];
}

const JOB_PATH = /^(?:\/body)?\/jobs\/(\d+)(?:\/(.*))?$/;

/**
 * The server's issues with people's words for their paths: `/jobs/0/timeout` is `job 1 ("name"):
 * timeout` (1-based, like people count). One problem of many jobs (`-N 40` copies of one mistake)
 * is said once, for all of them: `jobs 1-40 ("s"): params`.
 */
export function describeSubmitIssues(issues: readonly Issue[], jobs: unknown): Issue[] {
  const groups = new Map<string, IssueGroup>();
  const described: (Issue | { group: string })[] = [];
  for (const { path, message } of issues) {
    const match = JOB_PATH.exec(path);
    if (!match) {
      described.push({ path: path.replace(/^(?:\/body)?\/jobs$/, 'jobs'), message });
      continue;
    }
    const key = `${match[2] ?? ''}\0${message}`;
    const group = groups.get(key);
    if (group) group.indices.push(Number(match[1]));
    else {
      groups.set(key, { field: match[2], message, indices: [Number(match[1])] });
      described.push({ group: key });
    }
  }
  return described.map((d) => {
    if (!('group' in d)) return d;
    const { field, message, indices } = groups.get(d.group) as IssueGroup;
    const label = jobsLabel(
      jobs,
      [...new Set(indices)].sort((x, y) => x - y),
    );
    return { path: field ? `${label}: ${field}` : label, message };
  });
}

/** A label names at most this many ids or ranges, then the last one and how many jobs in all. */
const LABEL_RANGES = 6;

/**
 * `job 2 ("reco")` for one index of the submitted list; `jobs 1-40 ("reco")` for several (the
 * name when all share it); `jobs 1 3 5 7 9 11 … 39 ("reco", 20 in all)` for many scattered ones.
 */
function jobsLabel(jobs: unknown, indices: number[]): string {
  const names = new Set(indices.map((i) => jobName(jobs, i)));
  const name = names.size === 1 ? [...names][0] : undefined;
  const notes = name ? [JSON.stringify(name)] : [];
  let which: string;
  if (indices.length === 1) which = `job ${(indices[0] as number) + 1}`;
  else {
    let ranges = formatIds(indices.map((i) => i + 1)).split(' ');
    if (ranges.length > LABEL_RANGES + 1) {
      ranges = [...ranges.slice(0, LABEL_RANGES), '…', ranges.at(-1) as string];
      notes.push(`${indices.length} in all`);
    }
    which = `jobs ${ranges.join(' ')}`;
  }
  return notes.length > 0 ? `${which} (${notes.join(', ')})` : which;
}

function jobName(jobs: unknown, index: number): string | undefined {
  const job = Array.isArray(jobs) ? (jobs[index] as unknown) : undefined;
  const name = typeof job === 'object' && job !== null ? (job as { name?: unknown }).name : undefined;
  return typeof name === 'string' && name !== '' ? name : undefined;
}
