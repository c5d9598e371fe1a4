// HTTPS and exposure end to end: a server with a self-signed certificate (made by openssl at test
// time) is reached with --ca-file and refused without it; pilots given the CA file and a token run
// jobs, and `pilots start` / `p3s up` hand both to their pilots in the environment, never on argv;
// a server asked to listen beyond loopback refuses plain HTTP unless told --insecure-http.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  alive,
  baseEnv,
  freePort,
  killAll,
  type Proc,
  p3s,
  removeDir,
  startP3s,
  tempDir,
  waitFor,
} from '../helpers/processes.ts';
import { selfSignedCertificate } from '../helpers/tls.ts';

let certDir: string;
let cert: string;
let key: string;
const dirs: string[] = [];

beforeAll(() => {
  certDir = tempDir('p3s-tls-');
  ({ cert, key } = selfSignedCertificate(certDir));
});
afterEach(async () => {
  await killAll();
});
afterAll(() => {
  for (const d of [certDir, ...dirs]) removeDir(d);
});

function dataDir(): string {
  const dir = tempDir();
  dirs.push(dir);
  return dir;
}

/** Starts `p3s server` with TLS and waits for its https:// URL. */
async function startTlsServer(home: string): Promise<{ proc: Proc; url: string }> {
  const port = await freePort();
  const args = ['server', '--port', String(port), '--data-dir', home, '--log-level', 'warn'];
  const proc = startP3s([...args, '--tls-cert', cert, '--tls-key', key], baseEnv());
  const url = `https://127.0.0.1:${port}`;
  await waitFor(`server on ${url}`, () => {
    if (proc.child.exitCode !== null) throw new Error(`server exited: ${proc.output()}`);
    return proc.output().includes(`listening on ${url}`);
  });
  return { proc, url };
}

/** The NUL-separated strings of /proc/<pid>/<file>. */
function procStrings(pid: number, file: 'cmdline' | 'environ'): string[] {
  return readFileSync(`/proc/${pid}/${file}`, 'utf8').split('\0');
}

describe('HTTPS with a self-signed certificate', () => {
  it('is reached with --ca-file, refused without it, and runs jobs on pilots given P3S_CA_FILE', async () => {
    const home = dataDir();
    const { url } = await startTlsServer(home);
    const env = baseEnv({ P3S_HOME: home, P3S_SERVER: url, P3S_CA_FILE: undefined });

    const ok = await p3s(['summary', '--ca-file', cert], env);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain(`server  ${url}  (p3s`);
    const refused = await p3s(['summary'], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      `p3s: cannot reach the p3s server at ${url}: certificate verify failed: self-signed certificate (give --ca-file or P3S_CA_FILE`,
    );
    expect(refused.stderr).not.toContain('is the server running');
    const unreadable = await p3s(['summary', '--ca-file', join(home, 'missing.pem')], env);
    expect(unreadable.code).toBe(1);
    expect(unreadable.stderr).toContain('cannot read the CA file');

    const trusting = { ...env, P3S_CA_FILE: cert };
    const file = join(home, 'hello.json');
    writeFileSync(file, JSON.stringify([{ name: 'over-tls', payload: '/bin/echo hello over tls' }]));
    const submitted = await p3s(['job', 'submit', file, '--json'], trusting);
    expect(submitted.code, submitted.stderr).toBe(0);
    const id = JSON.parse(submitted.stdout).jobs[0].id as number;
    const pilot = startP3s(
      ['pilot', '-c', '1', '-p', '5', '-b', '0.5', '--work-dir', join(home, 'work'), '--log-level', 'warn'],
      trusting,
    );
    expect(await pilot.exited, pilot.output()).toBe(0);
    const shown = JSON.parse((await p3s(['job', 'show', String(id), '--json'], trusting)).stdout);
    expect(shown.job.state).toBe('finished');
    expect((await p3s(['job', 'logs', String(id)], trusting)).stdout).toBe('hello over tls\n');

    const doctor = JSON.parse((await p3s(['doctor', '--json'], trusting)).stdout);
    const byName = Object.fromEntries(doctor.checks.map((check: { name: string }) => [check.name, check]));
    expect(byName.server.status).toBe('ok');
    expect(byName.token).toMatchObject({ status: 'ok', detail: expect.stringContaining('(admin)') });
  });

  it('hands --token and --ca-file to background pilots in their environment, not on argv', async () => {
    const home = dataDir();
    const { url } = await startTlsServer(home);
    const secret = readFileSync(join(home, 'admin.token'), 'utf8').trim();
    // Another data dir and no P3S_CA_FILE: the pilots can only use what is handed to them.
    const elsewhere = dataDir();
    const env = baseEnv({
      P3S_HOME: elsewhere,
      P3S_SERVER: url,
      P3S_CA_FILE: undefined,
      P3S_TOKEN: undefined,
    });
    const started = await p3s(
      ['pilots', 'start', '-n', '1', '--token', secret, '--ca-file', cert, '--json'],
      env,
    );
    expect(started.code, started.stderr).toBe(0);
    const [record] = JSON.parse(started.stdout).pilots as { pid: number; uuid: string }[];
    expect(record).toBeDefined();
    const { pid, uuid } = record as { pid: number; uuid: string };
    try {
      expect(procStrings(pid, 'cmdline').join(' ')).not.toContain(secret);
      expect(procStrings(pid, 'cmdline')).not.toContain(cert);
      const environ = procStrings(pid, 'environ');
      expect(environ).toContain(`P3S_TOKEN=${secret}`);
      expect(environ).toContain(`P3S_CA_FILE=${cert}`);
      const client = { ...env, P3S_TOKEN: secret, P3S_CA_FILE: cert };
      await waitFor('the pilot registered over https', async () => {
        const res = await p3s(['pilots', 'list', '--json'], client);
        return res.code === 0 && JSON.parse(res.stdout).pilots.some((p: { uuid: string }) => p.uuid === uuid);
      });
    } finally {
      const stopped = await p3s(['pilots', 'stop', '--local', '--token', secret, '--ca-file', cert], env);
      expect(stopped.code, stopped.stderr).toBe(0);
    }
    expect(alive(pid)).toBe(false);
  });

  it('p3s up gives its pilots the admin token and the certificate, and says where the token is', async () => {
    const home = dataDir();
    const port = await freePort();
    // P3S_HOME points elsewhere: the pilots find neither the token nor the CA by themselves.
    const env = baseEnv({
      P3S_HOME: dataDir(),
      P3S_SERVER: undefined,
      P3S_CA_FILE: undefined,
      P3S_TOKEN: undefined,
    });
    const up = startP3s(
      ['up', '-n', '1', '--port', String(port), '--data-dir', home, '--tls-cert', cert, '--tls-key', key],
      env,
    );
    const url = `https://127.0.0.1:${port}`;
    await waitFor('up prints its welcome', () => up.output().includes('stop:   Ctrl-C'), 30_000);
    const welcome = up.output();
    expect(welcome).toContain(`server    ${url}`);
    expect(welcome).toContain(`admin     token in ${join(home, 'admin.token')}`);
    expect(welcome).toContain("the monitor's Kill and Retry buttons need a login with it");
    expect(welcome).toContain(`--data-dir ${home} --ca-file ${cert}`);

    const client = { ...env, P3S_HOME: home, P3S_CA_FILE: cert };
    const file = join(home, 'hello.json');
    writeFileSync(file, JSON.stringify([{ name: 'up-tls', payload: '/bin/echo from up' }]));
    const submitted = await p3s(['job', 'submit', file, '--wait'], client, { timeoutMs: 30_000 });
    expect(submitted.code, submitted.stderr + up.output()).toBe(0);
    up.signal('SIGINT');
    expect(await up.exited).toBe(0);
  });
});

describe('listening beyond loopback', () => {
  it('refuses plain HTTP on 0.0.0.0, and starts with --insecure-http', async () => {
    const home = dataDir();
    const port = await freePort();
    const args = [
      'server',
      '--host',
      '0.0.0.0',
      '--port',
      String(port),
      '--data-dir',
      home,
      '--log-level',
      'warn',
    ];
    const refused = await p3s(args, baseEnv());
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      'p3s: cannot start the server: refusing to listen on 0.0.0.0 without TLS',
    );
    expect(refused.stderr).toContain('--insecure-http');
    expect(refused.stderr).not.toMatch(/\n\s+at /);

    const half = await p3s([...args, '--tls-cert', cert], baseEnv());
    expect(half.code).toBe(2);
    expect(half.stderr).toContain('--tls-cert needs --tls-key too');

    const server = startP3s([...args, '--insecure-http'], baseEnv());
    await waitFor('the server answers', async () => {
      if (server.child.exitCode !== null) throw new Error(`server exited: ${server.output()}`);
      return (await fetch(`http://127.0.0.1:${port}/api/v1/health`)).ok;
    });
    // Beyond loopback reads default to token-only.
    const jobs = await fetch(`http://127.0.0.1:${port}/api/v1/jobs`);
    expect(jobs.status).toBe(401);
    expect(server.output()).toContain('reads     need a token');
    server.signal('SIGTERM');
    expect(await server.exited).toBe(0);
  });
});
