// `p3s doctor`: checks what a user or operator needs and says how to fix what is wrong (P3S
// verifyImport.py, extended): Node, the SQLite driver, directories, database, server, token.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Command, Option } from '@commander-js/extra-typings';
import { CGROUP_FEATURES_FILE, MOUNTINFO_FILE } from '../../core/cgroup-mount.ts';
import { DEFAULTS } from '../../core/defaults.ts';
import { P3S_VERSION } from '../../core/version.ts';
import { ApiError, NetworkError, P3sClient } from '../../protocol/client.ts';
import { describeTokenSource } from '../access.ts';
import {
  type CheckResult,
  checkCgroupMount,
  checkDirectory,
  checkNode,
  checkPrivateDir,
  checkToken,
  checkTokenFile,
  type WhoamiOutcome,
} from '../doctor-checks.ts';
import { Exit } from '../errors.ts';
import type { Output } from '../output.ts';
import { describeDatabase, resolveDatabaseUrl } from '../settings.ts';
import { connect, output, withClientOptions } from './common.ts';
import { databaseOption } from './server.ts';

export function addDoctorCommand(program: Command): void {
  withClientOptions(
    program
      .command('doctor')
      .description('check this installation: Node, SQLite, directories, database, server, token')
      .addOption(databaseOption())
      .addOption(new Option('--work-dir <dir>', 'pilot work directory to check (default: <data dir>/work)'))
      .addOption(
        new Option(
          '--joblog-dir <dir>',
          'pilot job log directory to check (default: $P3S_JOBLOG or <data dir>/joblogs)',
        ),
      ),
  ).action(async (opts) => {
    const out = output(opts);
    const conn = connect(opts, { timeoutMs: 5000 });
    const { dataDir } = conn;
    const server = { url: conn.url };
    const databaseUrl = resolveDatabaseUrl(opts.databaseUrl);
    const choose = (flag: string) => `choose another with ${flag}`;
    const checks: CheckResult[] = [checkNode()];
    checks.push(...(await storeChecks(dataDir, databaseUrl)));
    checks.push(checkDirectory('data dir', dataDir, choose('--data-dir or P3S_HOME')));
    checks.push(checkPrivateDir('data dir access', dataDir));
    checks.push(checkTokenFile('admin token file', join(dataDir, DEFAULTS.adminTokenFile)));
    // Health without the token: a token the server refuses is the token check's finding, not the server's.
    const anonymous = new P3sClient({ server: conn.url, caFile: conn.caFile, timeoutMs: 5000 });
    const serverResult = await serverCheck(anonymous, server.url);
    checks.push(serverResult);
    const whoami =
      serverResult.status === 'fail' ? { kind: 'server-down' as const } : await askWhoami(conn.client);
    checks.push(checkToken(whoami, describeTokenSource(conn.tokenSource, { dataDir })));
    checks.push(
      checkDirectory(
        'work dir',
        opts.workDir ?? join(dataDir, DEFAULTS.workDir),
        choose('p3s pilot --work-dir'),
      ),
    );
    const joblogDir = opts.joblogDir ?? (process.env.P3S_JOBLOG?.trim() || join(dataDir, DEFAULTS.joblogDir));
    checks.push(checkDirectory('joblog dir', joblogDir, choose('p3s pilot --joblog-dir or P3S_JOBLOG')));
    checks.push(checkCgroupMount(readIfThere(MOUNTINFO_FILE), readIfThere(CGROUP_FEATURES_FILE)));
    const ok = !checks.some((c) => c.status === 'fail');
    if (out.json) out.data({ ok, version: P3S_VERSION, server: server.url, dataDir, checks });
    else printChecks(out, checks, ok);
    if (!ok) throw new Exit(1);
  });
}

/** A file's text, or undefined where it is missing (no /proc on this system). */
function readIfThere(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** The SQLite driver and the database, through the server's code (the only code that opens a store). */
async function storeChecks(dataDir: string, databaseUrl: string | undefined): Promise<CheckResult[]> {
  const rebuild = 'rebuild the driver: npm rebuild better-sqlite3 (needs python3, make and a C++ compiler)';
  let server: typeof import('../../server/main.ts');
  try {
    server = await import('../../server/main.ts');
  } catch (error) {
    return [
      {
        name: 'sqlite',
        status: 'fail',
        detail: `cannot load the server code: ${(error as Error).message}`,
        fix: rebuild,
      },
      { name: 'database', status: 'skip', detail: 'skipped: the server code does not load' },
    ];
  }
  const driver = server.checkSqliteDriver();
  const sqlite: CheckResult = driver.ok
    ? { name: 'sqlite', status: 'ok', detail: `the SQLite driver loads (SQLite ${driver.version})` }
    : {
        name: 'sqlite',
        status: 'fail',
        detail: `the SQLite driver does not load: ${driver.message}`,
        fix: rebuild,
      };
  const sqlitePath = join(dataDir, DEFAULTS.databaseFile);
  const where = describeDatabase(databaseUrl, dataDir);
  if (!databaseUrl && !driver.ok)
    return [
      sqlite,
      { name: 'database', status: 'skip', detail: `skipped: ${where} needs the SQLite driver` },
    ];
  const found = await server.inspectDatabase({ databaseUrl, sqlitePath });
  return [sqlite, databaseCheck(found, where)];
}

function databaseCheck(found: import('../../server/main.ts').DatabaseInspection, where: string): CheckResult {
  const name = 'database';
  switch (found.kind) {
    case 'missing':
      return {
        name,
        status: 'skip',
        detail: `no database yet at ${found.path}: p3s server (or p3s up) creates it (a remote server keeps its own)`,
      };
    case 'error':
      return {
        name,
        status: 'fail',
        detail: `cannot open ${where}: ${found.message}`,
        fix: 'check --database-url / P3S_DATABASE_URL, that PostgreSQL runs, or the file permissions',
      };
    case 'ok':
      if (found.unknown.length > 0)
        return {
          name,
          status: 'fail',
          detail: `${where} has migrations this p3s does not know (${found.unknown.join(', ')})`,
          fix: 'it was upgraded by a newer p3s: upgrade p3s, or use another database',
        };
      if (found.pending.length > 0)
        return {
          name,
          status: 'warn',
          detail: `${where} lacks migrations ${found.pending.join(', ')}`,
          fix: 'the server applies them when it starts: restart it (p3s server or p3s up)',
        };
      return {
        name,
        status: 'ok',
        detail: `${where} is reachable, migrations current (${found.applied.length})`,
      };
  }
}

async function askWhoami(client: P3sClient): Promise<WhoamiOutcome> {
  try {
    const me = await client.whoami();
    return { kind: 'ok', name: me.name, role: me.role, site: me.site, expiresAt: me.expiresAt };
  } catch (error) {
    if (error instanceof ApiError && error.status === 401)
      return { kind: 'unauthorized', message: error.message };
    if (error instanceof NetworkError) return { kind: 'server-down' };
    return { kind: 'error', message: (error as Error).message };
  }
}

async function serverCheck(client: P3sClient, url: string): Promise<CheckResult> {
  const name = 'server';
  try {
    const health = await client.health();
    if (health.version !== P3S_VERSION)
      return {
        name,
        status: 'warn',
        detail: `${url} answers: p3s ${health.version} (this CLI is ${P3S_VERSION}), ${health.store}`,
        fix: 'use the same p3s version for the server, the pilots and the CLI',
      };
    return { name, status: 'ok', detail: `${url} answers: p3s ${health.version}, ${health.store}` };
  } catch (error) {
    if (error instanceof ApiError && error.code === 'store_unavailable')
      return {
        name,
        status: 'fail',
        detail: `${url} answers, but its database cannot be used: ${error.message}`,
        fix: 'bring the database back (start PostgreSQL, free disk space); the server recovers by itself',
      };
    const reason = error instanceof NetworkError ? error.message : `${url}: ${(error as Error).message}`;
    const fix =
      error instanceof NetworkError && error.certificate
        ? "give --ca-file (or P3S_CA_FILE) with the CA that signed the server's certificate"
        : 'start it with p3s up (or p3s server), or point --server / P3S_SERVER at the running one';
    return { name, status: 'fail', detail: reason, fix };
  }
}

function printChecks(out: Output, checks: CheckResult[], ok: boolean): void {
  const paint: Record<string, (s: string) => string> = {
    ok: out.colors.green,
    warn: out.colors.yellow,
    fail: out.colors.red,
    skip: out.colors.dim,
  };
  const width = Math.max(...checks.map((c) => c.name.length));
  for (const c of checks) {
    out.line(`${(paint[c.status] ?? String)(c.status.padEnd(4))}  ${c.name.padEnd(width)}  ${c.detail}`);
    if (c.fix) out.line(`${' '.repeat(6 + width)}  fix: ${c.fix}`);
  }
  const failed = checks.filter((c) => c.status === 'fail').length;
  out.line(ok ? 'all checks passed' : `${failed} check${failed === 1 ? '' : 's'} failed`);
}
