// What a payload gets: its environment (pilot < account < site < job env, then P3S_* identity,
// never the pilot's credentials) and how its command line becomes a process (argv split, or
// /bin/sh -c in P3S "exec mode").

import { isAbsolute, resolve } from 'node:path';
import { CREDENTIAL_VARIABLES, withoutCredentials } from '../core/credentials.ts';
import { splitArgs } from './argv.ts';

/** Who and where the payload is, exported to it as P3S_* variables. */
export interface PayloadIdentity {
  jobId: number;
  jobUuid: string;
  pilotUuid: string;
  attempt: number;
  /** The job's sandbox directory (its working directory). */
  workDir: string;
  /** The server the job came from (P3S_SERVER); none for `p3s run`. */
  server?: string;
}

/**
 * Variables of the pilot's own environment that never reach a payload: core's credential rule
 * (CREDENTIAL_VARIABLES). A site or a job may still set any of them in its own env: that is its
 * owner's choice, not the pilot's secret.
 */
export const WITHHELD_FROM_PAYLOADS: readonly string[] = CREDENTIAL_VARIABLES;

/** The env layers of a payload, lowest first. */
export interface EnvLayers {
  pilot: NodeJS.ProcessEnv;
  /** HOME, USER and LOGNAME of the account the payload runs as (pilot --payload-user). */
  account?: Record<string, string>;
  /** The env of the pilot's site (`p3s site define`), if it has one. */
  site?: Record<string, string>;
  job: Record<string, string>;
}

/**
 * Pilot env without its credentials (core's withoutCredentials), overlaid by the payload account's
 * HOME/USER/LOGNAME, the site env, then the job env (job wins), then the P3S_* identity variables
 * (always ours).
 */
export function payloadEnv(layers: EnvLayers, id: PayloadIdentity): Record<string, string> {
  const env = withoutCredentials(layers.pilot);
  Object.assign(env, layers.account ?? {}, layers.site ?? {}, layers.job);
  env.P3S_JOB_UUID = id.jobUuid;
  env.P3S_JOB_ID = String(id.jobId);
  env.P3S_PILOT_UUID = id.pilotUuid;
  env.P3S_ATTEMPT = String(id.attempt);
  env.P3S_WORK_DIR = id.workDir;
  if (id.server !== undefined) env.P3S_SERVER = id.server;
  return env;
}

/** P3S_EXECMODE (any value) in the merged env, or the pilot's --shell, runs this job through /bin/sh. */
export function usesShell(env: Record<string, string>, pilotShell: boolean): boolean {
  return pilotShell || Object.hasOwn(env, 'P3S_EXECMODE');
}

/** P3S_MODE=COPY in the merged env: the payload executable is copied into the sandbox first. */
export function usesCopy(env: Record<string, string>): boolean {
  return env.P3S_MODE === 'COPY';
}

/** A process to start: the executable and its arguments. */
export interface Command {
  file: string;
  args: string[];
}

/**
 * The command for a payload string. Without a shell the string is split like shlex and a
 * relative executable path is taken from the pilot's directory, as in P3S, since the payload
 * itself runs in its fresh sandbox. Throws on a payload that cannot be split or is empty.
 */
export function planCommand(payload: string, shell: boolean, pilotCwd: string): Command {
  if (shell) return { file: '/bin/sh', args: ['-c', payload] };
  const [file, ...args] = splitArgs(payload);
  if (file === undefined || file === '') throw new Error('the payload has no command');
  return { file: executablePath(file, pilotCwd), args };
}

/** `dir/prog` → absolute from the pilot's directory; a bare `prog` stays a PATH lookup. */
export function executablePath(file: string, pilotCwd: string): string {
  return file.includes('/') && !isAbsolute(file) ? resolve(pilotCwd, file) : file;
}
