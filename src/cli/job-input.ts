// Reading what `p3s job submit` sends: a P3S job JSON list from a file, stdin or a literal
// string, expanded for -f (one copy per input file), -N (copies) and --env, otherwise unchanged.

import { readFileSync, statSync } from 'node:fs';
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

/** `job 2 ("reco")` for the job at `index` of the submitted list. */
export function jobLabel(jobs: unknown, index: number): string {
  const job = Array.isArray(jobs) ? (jobs[index] as unknown) : undefined;
  const name = typeof job === 'object' && job !== null ? (job as { name?: unknown }).name : undefined;
  return typeof name === 'string' && name !== ''
    ? `job ${index + 1} (${JSON.stringify(name)})`
    : `job ${index + 1}`;
}

/** Rewrites server issue paths `/jobs/0/timeout` as `job 1 ("name"): timeout` (1-based, like people count). */
export function describeSubmitIssue(path: string, jobs: unknown): string {
  const match = /^(?:\/body)?\/jobs\/(\d+)(?:\/(.*))?$/.exec(path);
  if (!match) return path.replace(/^(?:\/body)?\/jobs$/, 'jobs');
  const label = jobLabel(jobs, Number(match[1]));
  return match[2] ? `${label}: ${match[2]}` : label;
}
