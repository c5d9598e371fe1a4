// Where the CLI finds things: data dir, server URL, token, CA file, database, port and host, from
// flags, then environment (P3S_HOME, P3S_SERVER, P3S_TOKEN, P3S_CA_FILE, P3S_DATABASE_URL,
// P3S_PORT), then defaults.

import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { DEFAULTS } from '../core/defaults.ts';
import { CliError } from './errors.ts';

type Env = Record<string, string | undefined>;

/** Expands a leading `~/` (flags given as `--data-dir=~/x` reach us unexpanded). */
function expandHome(path: string, home: string): string {
  return path === '~' ? home : path.startsWith('~/') ? join(home, path.slice(2)) : path;
}

/** `--data-dir` > `P3S_HOME` > `~/.p3s`, always absolute. */
export function resolveDataDir(flag: string | undefined, env: Env = process.env, home = homedir()): string {
  const chosen = nonEmpty(flag) ?? nonEmpty(env.P3S_HOME) ?? join(home, DEFAULTS.dataDirName);
  return resolve(expandHome(chosen, home));
}

/** Accepts `host:port` (P3S site files wrote that) and drops trailing slashes (P3S required one). */
export function normalizeServerUrl(value: string): string {
  const trimmed = value.trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `http://${trimmed}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new CliError(`invalid server URL "${value}" (expected e.g. http://127.0.0.1:${DEFAULTS.port})`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new CliError(`invalid server URL "${value}": only http:// and https:// are supported`);
  }
  return withScheme.replace(/\/+$/, '');
}

export interface ServerInfo {
  url: string;
  pid?: number;
}

/** The URL a running local server recorded in `<dataDir>/server.json`, if the file is there and sane. */
export function readServerInfo(dataDir: string): ServerInfo | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(join(dataDir, DEFAULTS.serverInfoFile), 'utf8'));
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { url, pid } = parsed as { url?: unknown; pid?: unknown };
  if (typeof url !== 'string' || url === '') return undefined;
  // A server that died without cleaning up leaves a stale file: ignore it.
  if (typeof pid === 'number' && !processExists(pid)) return undefined;
  return typeof pid === 'number' ? { url, pid } : { url };
}

export function processExists(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export type ServerUrlSource = 'flag' | 'P3S_SERVER' | 'server.json' | 'default';

/** `--server` > `P3S_SERVER` > `<dataDir>/server.json` > `http://127.0.0.1:<P3S_PORT or 7878>`. */
export function resolveServerUrl(
  flag: string | undefined,
  dataDir: string,
  env: Env = process.env,
): { url: string; source: ServerUrlSource } {
  const fromFlag = nonEmpty(flag);
  if (fromFlag) return { url: normalizeServerUrl(fromFlag), source: 'flag' };
  const fromEnv = nonEmpty(env.P3S_SERVER);
  if (fromEnv) return { url: normalizeServerUrl(fromEnv), source: 'P3S_SERVER' };
  const info = readServerInfo(dataDir);
  if (info) return { url: normalizeServerUrl(info.url), source: 'server.json' };
  return { url: `http://${DEFAULTS.host}:${resolvePort(undefined, env)}`, source: 'default' };
}

export type TokenSource = 'flag' | 'P3S_TOKEN' | 'P3S_TOKEN_FILE' | 'admin.token' | 'none';

/**
 * `--token` > `P3S_TOKEN` > the file named by `P3S_TOKEN_FILE` > the local admin token
 * `<dataDir>/admin.token`. The local one is sent only to the server this data dir's server.json
 * names, so a command pointed elsewhere never leaks it.
 */
export function resolveToken(
  flag: string | undefined,
  dataDir: string,
  serverUrl: string,
  env: Env = process.env,
): { token: string | undefined; source: TokenSource } {
  const fromFlag = nonEmpty(flag);
  if (fromFlag) return { token: fromFlag.trim(), source: 'flag' };
  const fromEnv = nonEmpty(env.P3S_TOKEN);
  if (fromEnv) return { token: fromEnv.trim(), source: 'P3S_TOKEN' };
  const file = nonEmpty(env.P3S_TOKEN_FILE);
  if (file) {
    const text = readTokenFile(file);
    if (text === undefined) throw new CliError(`cannot read the token file ${file} (P3S_TOKEN_FILE)`);
    return { token: text, source: 'P3S_TOKEN_FILE' };
  }
  const info = readServerInfo(dataDir);
  if (info && normalizeServerUrl(info.url) === normalizeServerUrl(serverUrl)) {
    const local = readTokenFile(join(dataDir, DEFAULTS.adminTokenFile));
    if (local) return { token: local, source: 'admin.token' };
  }
  return { token: undefined, source: 'none' };
}

/** A token file's secret, trimmed; undefined when it is missing, unreadable or empty. */
export function readTokenFile(path: string): string | undefined {
  try {
    const text = readFileSync(path, 'utf8').trim();
    return text === '' ? undefined : text;
  } catch {
    return undefined;
  }
}

export type CaFileSource = 'flag' | 'P3S_CA_FILE' | 'none';

/**
 * `--ca-file` > `P3S_CA_FILE`: a PEM file of the CA(s) to trust for an https:// server (or its
 * self-signed certificate). Checked here, so an unreadable file is a clear error before any request.
 */
export function resolveCaFile(
  flag: string | undefined,
  env: Env = process.env,
  home = homedir(),
): { caFile: string | undefined; source: CaFileSource } {
  const fromFlag = nonEmpty(flag);
  const chosen = fromFlag ?? nonEmpty(env.P3S_CA_FILE);
  if (chosen === undefined) return { caFile: undefined, source: 'none' };
  const source = fromFlag ? 'flag' : 'P3S_CA_FILE';
  const caFile = resolve(expandHome(chosen.trim(), home));
  try {
    readFileSync(caFile);
  } catch (error) {
    const what = source === 'flag' ? '--ca-file' : 'P3S_CA_FILE';
    throw new CliError(`cannot read the CA file ${caFile} (${what}): ${(error as Error).message}`);
  }
  return { caFile, source };
}

/** `--database-url` > `P3S_DATABASE_URL`; undefined means the SQLite file in the data dir. */
export function resolveDatabaseUrl(flag: string | undefined, env: Env = process.env): string | undefined {
  return nonEmpty(flag) ?? nonEmpty(env.P3S_DATABASE_URL);
}

/** `--port` > `P3S_PORT` > 7878. Port 0 asks the system for a free one. */
export function resolvePort(flag: string | number | undefined, env: Env = process.env): number {
  if (flag !== undefined && flag !== '') return parsePort(String(flag), '--port');
  const fromEnv = nonEmpty(env.P3S_PORT);
  return fromEnv ? parsePort(fromEnv, 'P3S_PORT') : DEFAULTS.port;
}

export function parsePort(value: string, what: string): number {
  const n = /^\d+$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
  if (!Number.isInteger(n) || n < 0 || n > 65_535) {
    throw new CliError(`${what} must be a port number from 0 to 65535, got "${value}"`);
  }
  return n;
}

export function resolveHost(flag: string | undefined): string {
  return nonEmpty(flag) ?? DEFAULTS.host;
}

/** A database URL fit to print: the password replaced by `***`. */
export function describeDatabase(databaseUrl: string | undefined, dataDir: string): string {
  if (!databaseUrl) return `${join(dataDir, DEFAULTS.databaseFile)} (SQLite)`;
  try {
    const url = new URL(databaseUrl);
    if (url.password) url.password = '***';
    return `${url.toString()} (PostgreSQL)`;
  } catch {
    return '(unparsable database URL)';
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
