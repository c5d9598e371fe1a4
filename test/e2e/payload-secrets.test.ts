// Secrets never reach payloads (issue #19), end to end: `p3s up`'s pilots hold a pilot token of
// their own, never the admin's, and a payload that prints its environment and tries every value
// it finds (and every file a value names) as a bearer token authenticates with none — under
// `p3s up`, under a pilot given a pilot token (argv, shell and COPY modes, by variable and by
// file), and through `p3s run`. Plus redaction: a job's secret-named env value is shown to its
// owner, redacted for another user and for a reader without a token, on the API and `job show`.

import { createHash } from 'node:crypto';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { REDACTED } from '../../src/core/env-secrets.ts';
import { type Cluster, makeCluster } from '../helpers/cluster.ts';
import {
  baseEnv,
  killAll,
  p3s,
  removeDir,
  startPilotProcess,
  tempDir,
  waitFor,
} from '../helpers/processes.ts';
import { upWithIdlePilots } from '../helpers/up.ts';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');
const PRINT_ENV = join(FIXTURES, 'p3s', 'jobs', 'printEnv.json');
const PROBE = join(FIXTURES, 'payloads', 'probe-secrets.mjs');
/** The probe's shebang finds node on the payload's PATH, as a user's script would. */
const PATH = `${dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`;

/** What each test leaves to remove: clusters and data directories, then every process it started. */
const leftovers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const remove of leftovers.splice(0)) await remove();
  await killAll();
});

/** A cluster closed after the test. */
async function cluster(): Promise<Cluster> {
  const made = await makeCluster();
  leftovers.push(() => made.close());
  return made;
}

/** A data directory removed after the test. */
function scratch(dir: string): string {
  leftovers.push(() => removeDir(dir));
  return dir;
}

const secretOf = (file: string) => readFileSync(file, 'utf8').trim();

/** What the probe found: its log must show it ran, tried values, and authenticated with none. */
function expectNothingAuthenticates(log: string, secrets: string[]): void {
  expect(log).toMatch(/^P3S_SERVER=http/m);
  expect(log).toMatch(/^probe done: \d+ values tried, 0 authenticated$/m);
  expect(Number(/probe done: (\d+)/.exec(log)?.[1])).toBeGreaterThan(5);
  expect(log).not.toContain('AUTHENTICATED');
  for (const secret of secrets) expect(log).not.toContain(secret);
  expect(log).not.toMatch(/^P3S_TOKEN(_FILE)?=/m);
  expect(log).not.toMatch(/^P3S_HOME=/m);
}

/** The environment block of a running process, as name=value lines. */
function environOf(pid: number): string[] {
  return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
}

describe('p3s up', () => {
  it('gives its pilots a pilot token of their own, and a payload can use nothing it finds', async () => {
    const { home, url, env, up, pilots } = await upWithIdlePilots(2);
    scratch(home);
    const admin = secretOf(join(home, 'admin.token'));
    const tokenFile = join(home, 'local-pilots.token');
    const pilotSecret = secretOf(tokenFile);
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    const name = `local-pilots@${hostname()}`;
    expect(up.output()).toContain(`created pilot token`);
    // Payloads run as the server's user: said once, with what they reach and the fix.
    expect(up.output()).toContain(`warning: payloads run as ${userInfo().username}, the server's own user`);
    expect(up.output()).toContain('start p3s up as root with --payload-user NAME --work-dir DIR');
    expect(up.output()).toContain(`token "${name}" (role pilot) in ${tokenFile}`);
    const me = await (
      await fetch(`${url}/api/v1/whoami`, { headers: { authorization: `Bearer ${pilotSecret}` } })
    ).json();
    expect(me).toMatchObject({ name, role: 'pilot', site: null });

    // The pilot processes: the token file's path in their environment, no secret there or on argv.
    for (const { pid } of await pilots()) {
      const environ = environOf(pid);
      expect(environ).toContain(`P3S_TOKEN_FILE=${tokenFile}`);
      expect(environ.join('\n')).not.toContain(admin);
      expect(environ.join('\n')).not.toContain(pilotSecret);
      expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8')).not.toContain('p3s_');
    }

    // The P3S fixture that prints its environment, and the probe that tries every value as a token.
    const probeJob = join(home, 'probe.json');
    writeFileSync(
      probeJob,
      JSON.stringify([{ name: 'probe', payload: `${process.execPath} ${PROBE}`, env: { PATH } }]),
    );
    for (const file of [PRINT_ENV, probeJob]) {
      const submitted = await p3s(['job', 'submit', file, '--wait', '--json'], env);
      expect(submitted.code, submitted.stderr).toBe(0);
      const id = JSON.parse(submitted.stdout).jobs[0].id;
      const log = (await p3s(['job', 'logs', String(id)], env)).stdout;
      expect(log).toContain(`P3S_SERVER=${url}`);
      expect(log).toContain(`P3S_JOB_ID=${id}`);
      for (const secret of [admin, pilotSecret]) expect(log).not.toContain(secret);
      expect(log).not.toMatch(/^P3S_(TOKEN|TOKEN_FILE|HOME)=/m);
      if (file === probeJob) expectNothingAuthenticates(log, [admin, pilotSecret]);
    }

    // Revoked: the next start makes a new token and says so (the running pilots are refused).
    const revoked = await p3s(['token', 'revoke', '--name', name], env);
    expect(revoked.code, revoked.stderr).toBe(0);
    const started = await p3s(['pilots', 'start', '-n', '1', '--json'], env);
    expect(started.code, started.stderr).toBe(0);
    expect(started.stderr).toContain(
      `the local pilots' token in ${tokenFile} was revoked or has expired: creating a new one`,
    );
    expect(started.stderr).toMatch(new RegExp(`created pilot token \\d+ "${name}"`));
    expect(started.stderr).toContain(
      `warning: payloads run as ${userInfo().username}, who holds the local admin token: any job can read`,
    );
    const renewed = secretOf(tokenFile);
    expect(renewed).not.toBe(pilotSecret);
    const uuid = JSON.parse(started.stdout).pilots[0].uuid;
    await waitFor('the new pilot registers', async () =>
      (await pilots()).some((p: { uuid: string; state: string }) => p.uuid === uuid && p.state === 'idle'),
    );
    const stopped = await p3s(['pilots', 'stop', '--local'], env);
    expect(stopped.code, stopped.stderr).toBe(0);
    up.signal('SIGINT');
    await up.exited;
  }, 120_000);
});

const isRoot = process.getuid?.() === 0;
if (!isRoot)
  console.warn(
    'payload-secrets.test.ts: skipped p3s up --payload-user: switching users needs root (CI runs as root)',
  );

describe.skipIf(!isRoot)('p3s up --payload-user nobody', () => {
  it("runs payloads as nobody, who can read neither the admin token nor the pilots' token", async () => {
    const shared = scratch(tempDir('p3s-up-shared-'));
    chmodSync(shared, 0o711);
    const workDir = join(shared, 'work');
    const { home, env, up } = await upWithIdlePilots(1, ['--payload-user', 'nobody', '--work-dir', workDir]);
    scratch(home);
    expect(up.output()).not.toContain('warning: payloads run as');
    const adminFile = join(home, 'admin.token');
    const tokenFile = join(home, 'local-pilots.token');
    const secrets = [secretOf(adminFile), secretOf(tokenFile)];
    // The probe tries the files its values name: give it the paths of both tokens.
    const probeJob = join(home, 'probe.json');
    const probeEnv = { PATH, ADMIN_FILE: adminFile, PILOTS_FILE: tokenFile };
    const payload = `${process.execPath} ${PROBE}`;
    writeFileSync(probeJob, JSON.stringify([{ name: 'probe', payload, env: probeEnv }]));
    const submitted = await p3s(['job', 'submit', probeJob, '--wait', '--json'], env);
    expect(submitted.code, submitted.stderr + submitted.stdout).toBe(0);
    const id = JSON.parse(submitted.stdout).jobs[0].id;
    const log = (await p3s(['job', 'logs', String(id)], env)).stdout;
    expect(log).toContain('USER=nobody');
    expectNothingAuthenticates(log, secrets);
    expect(statSync(join(workDir, `${id}-1`)).uid).toBe(0);
    up.signal('SIGINT');
    await up.exited;
  }, 120_000);

  it('refuses a work dir nobody cannot enter before starting pilots, saying why', async () => {
    const home = scratch(tempDir());
    const clean = { P3S_HOME: home, P3S_SERVER: undefined, P3S_TOKEN: undefined, P3S_TOKEN_FILE: undefined };
    const res = await p3s(['up', '--port', '0', '--payload-user', 'nobody'], baseEnv(clean));
    expect(res.code, res.stdout).toBe(2);
    expect(res.stderr).toMatch(
      /nobody cannot enter the work dir .*\/work \(a directory on its path is closed to it\)/,
    );
  }, 60_000);
});

describe('pilots started at once for the local server', () => {
  it('make one local pilots token between them', async () => {
    const c = await cluster();
    const runs = await Promise.all(
      Array.from({ length: 6 }, () => c.cli(['pilot', '-c', '1', '-p', '0', '--log-level', 'warn'])),
    );
    for (const run of runs) expect(run.code, run.stderr).toBe(0);
    expect(runs.filter((r) => r.stderr.includes('created pilot token'))).toHaveLength(1);
    const tokens = await c.json(['token', 'list', '--name', `local-pilots@${hostname()}`]);
    expect(tokens.tokens).toHaveLength(1);
  }, 60_000);
});

describe('a pilot with a pilot token', () => {
  it('hands a payload none of its credentials, in argv, shell and COPY modes, by variable or file', async () => {
    const c = await cluster();
    const created = await c.cli(['token', 'create', '--role', 'pilot', '--name', 'lxvm-pilots']);
    expect(created.code, created.stderr).toBe(0);
    const pilotSecret = created.stdout.trim();
    const tokenFile = join(c.dataDir, 'lxvm.token');
    writeFileSync(tokenFile, `${pilotSecret}\n`, { mode: 0o600 });
    const admin = secretOf(join(c.dataDir, 'admin.token'));
    const fast = ['-c', '0', '-b', '0.5', '-p', '2'];
    startPilotProcess(c.dataDir, { ...c.env, P3S_TOKEN: pilotSecret }, [...fast, '-t', 'by-variable']);
    startPilotProcess(c.dataDir, { ...c.env, P3S_TOKEN_FILE: tokenFile }, [...fast, '-t', 'by-file']);

    const job = (name: string, jobtype: string, payload: string, env: Record<string, string> = {}) => ({
      name,
      jobtype,
      payload,
      env: { PATH, ...env },
    });
    const jobs = [
      job('argv', 'by-variable', `${process.execPath} ${PROBE}`),
      job('shell', 'by-variable', `exec ${process.execPath} ${PROBE} 2>&1`, { P3S_EXECMODE: 'SHELL' }),
      job('copy', 'by-variable', PROBE, { P3S_MODE: 'COPY' }),
      job('file-argv', 'by-file', `${process.execPath} ${PROBE}`),
      job('file-copy', 'by-file', PROBE, { P3S_MODE: 'COPY' }),
    ];
    const file = join(c.dataDir, 'probes.json');
    writeFileSync(file, JSON.stringify(jobs));
    const submitted = await c.cli(['job', 'submit', file, '--wait', '--json'], { timeoutMs: 90_000 });
    expect(submitted.code, submitted.stderr + submitted.stdout).toBe(0);
    for (const { id, name } of JSON.parse(submitted.stdout).jobs) {
      const log = (await c.cli(['job', 'logs', String(id)])).stdout;
      expect(log, name).toContain(`P3S_JOB_ID=${id}`);
      expectNothingAuthenticates(log, [pilotSecret, admin]);
    }
  }, 120_000);
});

describe('p3s run', () => {
  it("keeps the caller's token from the payload, given by variable or by file", async () => {
    const c = await cluster();
    const adminFile = join(c.dataDir, 'admin.token');
    const admin = secretOf(adminFile);
    const jobFile = join(c.dataDir, 'probe.json');
    writeFileSync(
      jobFile,
      JSON.stringify([{ name: 'probe', payload: `${process.execPath} ${PROBE}`, env: { PATH } }]),
    );
    for (const credential of [{ P3S_TOKEN: admin }, { P3S_TOKEN_FILE: adminFile }]) {
      const res = await p3s(['run', jobFile], { ...c.env, ...credential });
      expect(res.code, res.stderr).toBe(0);
      expectNothingAuthenticates(res.stdout, [admin]);
    }
  }, 60_000);
});

describe('p3s run --site', () => {
  it("gives the site's secret-named values to an admin's run, and leaves them out of a user's, saying so", async () => {
    const c = await cluster();
    const site = join(c.dataDir, 'site.json');
    writeFileSync(
      site,
      JSON.stringify({ name: 'here', env: { SITE_PASSWORD: 'pw-31c7', FROM_SITE: 'yes' } }),
    );
    expect((await c.cli(['site', 'define', site])).code).toBe(0);
    const user = await c.cli(['token', 'create', '--role', 'user', '--name', 'alice']);
    const job = '[{"payload":"/usr/bin/env"}]';
    const asAdmin = await c.cli(['run', job, '--site', 'here']);
    expect(asAdmin.code, asAdmin.stderr).toBe(0);
    expect(asAdmin.stdout).toContain('SITE_PASSWORD=pw-31c7\n');
    const asUser = await p3s(['run', job, '--site', 'here'], { ...c.env, P3S_TOKEN: user.stdout.trim() });
    expect(asUser.code, asUser.stderr).toBe(0);
    expect(asUser.stdout).toContain('FROM_SITE=yes\n');
    expect(asUser.stdout).not.toContain('SITE_PASSWORD');
    expect(asUser.stderr).toContain(
      "note: site here's SITE_PASSWORD is shown only to admins and pilots: this run goes without it",
    );
  }, 60_000);
});

describe('secret-named env values', () => {
  it('are shown to the owner and redacted for others on the API and in job show; the payload gets them', async () => {
    const c = await cluster();
    const tokenFor = async (name: string) => {
      const res = await c.cli(['token', 'create', '--role', 'user', '--name', name]);
      expect(res.code, res.stderr).toBe(0);
      return res.stdout.trim();
    };
    const alice = await tokenFor('alice');
    const bob = await tokenFor('bob');
    const file = join(c.dataDir, 'secret-job.json');
    const secret = 'tok-5e1f-do-not-show';
    // The payload proves it got the real value without printing it (nor naming it: payloads are shown as they are).
    const digest = createHash('sha256').update(secret).digest('hex');
    const payload = `/bin/sh -c 'test "$(printf %s "$API_TOKEN" | sha256sum | cut -c1-64)" = ${digest}'`;
    writeFileSync(
      file,
      JSON.stringify([{ name: 'with-secret', payload, env: { API_TOKEN: secret, INPUT: 'x.root' } }]),
    );
    const asAlice = { ...c.env, P3S_TOKEN: alice };
    const submitted = await p3s(['job', 'submit', file, '--json'], asAlice);
    expect(submitted.code, submitted.stderr).toBe(0);
    const id = JSON.parse(submitted.stdout).jobs[0].id as number;

    // A reader without a token: no data dir with a local admin token, reads open on loopback.
    const anonymousHome = scratch(tempDir());
    const readers: [string, NodeJS.ProcessEnv, string | null, boolean][] = [
      ['the owner', asAlice, alice, true],
      ['an admin', c.env, secretOf(join(c.dataDir, 'admin.token')), true],
      ['another user', { ...c.env, P3S_TOKEN: bob }, bob, false],
      ['no token', baseEnv({ P3S_HOME: anonymousHome, P3S_SERVER: c.server.url }), null, false],
    ];
    for (const [who, env, token, sees] of readers) {
      const shown = await p3s(['job', 'show', String(id)], env);
      expect(shown.code, `${who}: ${shown.stderr}`).toBe(0);
      expect(shown.stdout, who).toContain('INPUT=x.root');
      const headers: Record<string, string> = token === null ? {} : { authorization: `Bearer ${token}` };
      const api = await (await fetch(`${c.server.url}/api/v1/jobs/${id}`, { headers })).json();
      const list = await (await fetch(`${c.server.url}/api/v1/jobs?ids=${id}`, { headers })).json();
      if (sees) {
        expect(shown.stdout, who).toContain(`API_TOKEN=${secret}`);
        expect(api.job.env.API_TOKEN, who).toBe(secret);
        expect(list.jobs[0].env.API_TOKEN, who).toBe(secret);
      } else {
        expect(shown.stdout, who).toContain(`API_TOKEN=${REDACTED}`);
        expect(shown.stdout, who).toContain("only the job's owner and admins see these values");
        expect(JSON.stringify(api) + JSON.stringify(list), who).not.toContain(secret);
        expect(api.job.env.API_TOKEN, who).toBe(REDACTED);
      }
    }

    c.startPilot(['-c', '0', '-b', '0.5']);
    await waitFor(
      'the job finishes',
      async () => (await c.json(['job', 'show', String(id)])).job.state === 'finished',
      60_000,
    );
  }, 120_000);
});
