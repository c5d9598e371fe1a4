// `p3s run` end to end: P3S job files run here without a server, exactly as a pilot runs them
// (COPY mode, shell mode, env, sandbox, logs), exiting with the payload's status; a job past its
// time limit is killed with its whole process group; --site reads the site's env from the server.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Cluster, makeCluster } from '../helpers/cluster.ts';
import { alive, baseEnv, p3s, removeDir, tempDir, waitFor } from '../helpers/processes.ts';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');
const JOBS = join(FIXTURES, 'p3s', 'jobs');
const PAYLOADS = join(FIXTURES, 'payloads');

let home: string;
let env: NodeJS.ProcessEnv;
// No server: P3S_SERVER points where nothing listens, so any use of one would fail.
beforeEach(() => {
  home = tempDir();
  env = baseEnv({ P3S_HOME: home, P3S_SERVER: 'http://127.0.0.1:9', USER: 'tester' });
});
afterEach(() => removeDir(home));

const run = (args: string[]) => p3s(['run', ...args], env);

describe('p3s run', () => {
  it('runs printEnv.json unchanged and prints the payload env with the P3S identity', async () => {
    const res = await run([join(JOBS, 'printEnv.json')]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain('P3S_COMMENT=we are not using a wrapper');
    expect(res.stdout).toMatch(/P3S_JOB_UUID=[0-9a-f-]{36}/);
    expect(res.stdout).toContain('P3S_PILOT_UUID=local');
    expect(res.stderr).toMatch(/p3s run: finished \(exit status 0\)/);
    const logFile = /logs {4}(\S+\.out)/.exec(res.stderr)?.[1] as string;
    expect(readFileSync(logFile, 'utf8')).toBe(res.stdout);
  });

  it('runs simplejob1.json in COPY mode with -p, -f and -o (testwrapper -p, -i, -o)', async () => {
    const output = join(home, 'simple.out');
    const res = await run([
      join(JOBS, 'simplejob1.json'),
      '-p',
      join(PAYLOADS, 'simplejob.sh'),
      '-f',
      '/data/run42.root',
      '-o',
      output,
    ]);
    expect(res.code, res.stderr).toBe(0);
    expect(readFileSync(output, 'utf8')).toMatch(/^input=\/data\/run42\.root job=[0-9a-f-]{36}\n$/);
    // COPY: the script ran from its own copy in the sandbox, which is its working directory.
    const sandbox = /sandbox (\S+)/.exec(res.stderr)?.[1] as string;
    expect(res.stdout).toBe(`simplejob ran in ${sandbox}\n`);
    expect(existsSync(join(sandbox, 'simplejob.sh'))).toBe(true);
  });

  it('picks one job of threeSimpleJobs.json with --index', async () => {
    const output = join(home, 'second.out');
    const res = await run([
      '-j',
      join(JOBS, 'threeSimpleJobs.json'),
      '--index',
      '2',
      '-p',
      join(PAYLOADS, 'simplejob.sh'),
      '--env',
      `P3S_OUTPUT_FILE=${output}`,
    ]);
    expect(res.code, res.stderr).toBe(0);
    expect(readFileSync(output, 'utf8')).toContain('input=file2');
    expect((await run([join(JOBS, 'threeSimpleJobs.json'), '--index', '4'])).code).toBe(2);
  });

  it("runs job_template1.json's env through a shell with -x", async () => {
    const res = await run([join(JOBS, 'job_template1.json'), '-x', '-p', 'echo "P3S=$P3S TEST=$P3S_TEST"']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toBe('P3S=TRUE TEST=FALSE\n');
  });

  it("exits with the payload's own status, and 127 when it cannot start", async () => {
    const failing = await run([join(JOBS, 'printEnv.json'), '-x', '-p', 'echo bad >&2; exit 3']);
    expect(failing.code).toBe(3);
    expect(failing.stderr).toContain('bad\n');
    expect(failing.stderr).toContain('failed (exit_code): payload exited with status 3');
    const missing = await run([join(JOBS, 'sleep100.json'), '--json']);
    expect(missing.code).toBe(127);
    expect(JSON.parse(missing.stdout)).toMatchObject({
      state: 'failed',
      errorName: 'nonstarter',
      exitCode: 127,
    });
  });

  it('kills the whole process group at the time limit, grandchild included, and exits 124', async () => {
    const pidFile = join(home, 'grandchild.pid');
    const job = join(home, 'overrun.json');
    writeFileSync(
      job,
      JSON.stringify([
        {
          name: 'overrun',
          timeout: '2',
          payload: join(PAYLOADS, 'grandchild.sh'),
          env: { GRANDCHILD_PID_FILE: pidFile },
        },
      ]),
    );
    const res = await run([job, '--kill-grace', '1', '--json']);
    expect(res.code).toBe(124);
    expect(JSON.parse(res.stdout)).toMatchObject({ state: 'failed', errorName: 'timelimit', exitCode: 124 });
    const grandchild = Number(readFileSync(pidFile, 'utf8'));
    await waitFor('grandchild gone', () => !alive(grandchild), 5_000);
  });

  it('refuses a bad job before running anything, naming the field', async () => {
    const res = await run(['[{"payload":"/bin/true","timeout":"soon"}]']);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('job 1: timeout: must be a whole number of seconds');
  });
});

describe('p3s run --site', () => {
  let c: Cluster | undefined;
  afterEach(async () => {
    await c?.close();
    c = undefined;
  });

  it("adds the site's env under the job's, and says so when the server cannot be reached", async () => {
    c = await makeCluster();
    const site = join(c.dataDir, 'site.json');
    writeFileSync(site, JSON.stringify({ name: 'here', env: { FROM_SITE: 'yes', SHARED: 'site' } }));
    expect((await c.cli(['site', 'define', site])).code).toBe(0);
    const job = '[{"payload":"/usr/bin/env","env":{"SHARED":"job"}}]';
    const res = await c.cli(['run', job, '--site', 'here']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain('FROM_SITE=yes\n');
    expect(res.stdout).toContain('SHARED=job\n');
    const unknown = await c.cli(['run', job, '--site', 'nowhere']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('site nowhere is not defined');

    const offline = await run([job, '--site', 'here']);
    expect(offline.code).toBe(1);
    expect(offline.stderr).toContain('--site needs the server to read the env of site here');
    expect(offline.stdout).toBe('');
  });
});
