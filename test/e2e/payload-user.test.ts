// `--payload-user` end to end (issue #19): pilots started as root with `p3s pilots start
// --payload-user nobody` run each payload as nobody; a payload that tries to read the pilot's
// token file, /proc/$PPID/environ (the pilot's environment) and another job's sandbox fails at
// each, its job still finishes, and its output files belong to nobody. Without root, or with a
// work dir nobody cannot reach, a token on the command line, or an unknown user, the pilot
// refuses to start and says why. CI runs as root, so these run there; elsewhere they skip, saying so.

import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, makeCluster } from '../helpers/cluster.ts';
import { BIN, p3s, removeDir, tempDir, waitFor } from '../helpers/processes.ts';

const isRoot = process.getuid?.() === 0;
if (!isRoot)
  console.warn(
    'payload-user.test.ts: skipped: switching payloads to another user needs root (CI runs as root)',
  );

const NOBODY = 65534;
const ROOT = join(import.meta.dirname, '..', '..');
let c: Cluster;
/** Where nobody may pass through (0711), like /var/lib/p3s: the pilots' work dir lives here. */
let shared: string;

beforeAll(async () => {
  if (!isRoot) return;
  c = await makeCluster();
  shared = tempDir('p3s-shared-');
  chmodSync(shared, 0o711);
}, 60_000);
afterAll(async () => {
  if (!isRoot) return;
  await c.cli(['pilots', 'stop', '--local']);
  await c.close();
  removeDir(shared);
}, 60_000);

/** The job's state once it has ended. */
async function ended(id: number): Promise<{ state: string; exitCode: number | null }> {
  return waitFor(
    `job ${id} to end`,
    async () => {
      const { job } = await c.json(['job', 'show', String(id)]);
      return ['finished', 'failed', 'cancelled'].includes(job.state) ? job : undefined;
    },
    60_000,
  );
}

describe.skipIf(!isRoot)('pilots started as root with --payload-user nobody', () => {
  it('run payloads as nobody, who cannot read the token, the pilot environment or another job', async () => {
    const workDir = join(shared, 'work');
    const started = await c.cli([
      'pilots',
      'start',
      '-n',
      '1',
      '-b',
      '0.5',
      '--payload-user',
      'nobody',
      '--work-dir',
      workDir,
      '--json',
    ]);
    expect(started.code, started.stderr).toBe(0);
    const pid = JSON.parse(started.stdout).pilots[0].pid as number;
    const tokenFile = join(c.dataDir, 'local-pilots.token');
    expect(statSync(tokenFile).uid).toBe(0);

    // Job 1 leaves a file in its sandbox; job 2, run by the same pilot as the same user, goes after it.
    const first = join(c.dataDir, 'first.json');
    writeFileSync(
      first,
      JSON.stringify([{ name: 'first', payload: '/bin/sh -c "echo mine > mine.txt; id -u"' }]),
    );
    const one = JSON.parse((await c.cli(['job', 'submit', first, '--json'])).stdout).jobs[0].id as number;
    expect(await ended(one)).toMatchObject({ state: 'finished' });
    const try_ = (what: string, command: string) =>
      `if ${command} >/dev/null 2>&1; then echo "LEAK ${what}"; else echo "denied ${what}"; fi`;
    const probe = [
      'id -u',
      try_('token', 'cat "$TOKEN_FILE"'),
      try_('environ', 'cat /proc/$PPID/environ'),
      try_('other-dir', 'ls "$OTHER"'),
      try_('other-file', 'cat "$OTHER/mine.txt"'),
      'echo output > out.txt',
    ].join('; ');
    const second = join(c.dataDir, 'second.json');
    const otherDir = join(workDir, `${one}-1`);
    writeFileSync(
      second,
      JSON.stringify([
        {
          name: 'second',
          payload: probe,
          env: { P3S_EXECMODE: 'SHELL', TOKEN_FILE: tokenFile, OTHER: otherDir },
        },
      ]),
    );
    const two = JSON.parse((await c.cli(['job', 'submit', second, '--json'])).stdout).jobs[0].id as number;
    expect(await ended(two)).toMatchObject({ state: 'finished', exitCode: 0 });
    const log = (await c.cli(['job', 'logs', String(two)])).stdout;
    expect(log.split('\n')).toEqual([
      String(NOBODY),
      'denied token',
      'denied environ',
      'denied other-dir',
      'denied other-file',
      '',
    ]);
    // The payload's parent really was the pilot (the environ it was refused was the pilot's).
    expect((await c.json(['job', 'show', String(two)])).job.pid).toBeGreaterThan(0);
    expect(statSync(join(workDir, `${two}-1`, 'out.txt')).uid).toBe(NOBODY);
    expect(statSync(join(otherDir, 'mine.txt')).uid).toBe(NOBODY);
    expect(statSync(otherDir).uid).toBe(0);
    expect(readCmdline(pid)).toContain('--payload-user nobody');

    // COPY mode naming the pilot's own token file: the copy is made as nobody, so it is refused.
    const copy = join(c.dataDir, 'copy.json');
    const env = { P3S_MODE: 'COPY', P3S_EXECMODE: 'SHELL' };
    writeFileSync(copy, JSON.stringify([{ name: 'copy', payload: `${tokenFile} ; cat *.token`, env }]));
    const three = JSON.parse((await c.cli(['job', 'submit', copy, '--json'])).stdout).jobs[0].id as number;
    expect(await ended(three)).toMatchObject({ state: 'failed' });
    const failed = (await c.json(['job', 'show', String(three)])).job;
    expect(failed.errorDiag).toContain(`P3S_MODE=COPY: cannot copy ${tokenFile} into the sandbox as nobody`);
    const secret = readFileSync(tokenFile, 'utf8').trim();
    expect((await c.cli(['job', 'logs', String(three)])).stdout).not.toContain(secret);
    expect(readdirSync(join(workDir, `${three}-1`))).toEqual([]);
  }, 120_000);

  it.each([
    [
      'a work dir nobody cannot reach (the data dir is private)',
      ['pilots', 'start', '--payload-user', 'nobody'],
      {},
      /nobody cannot enter the work dir .*\/work \(a directory on its path is closed to it\)/,
    ],
    ['an unknown user', ['pilot', '--payload-user', 'no-such-user-p3s'], {}, /no such user/],
    [
      'a token on the command line',
      ['pilot', '--payload-user', 'nobody', '--token', 'p3s_visible_in_ps'],
      {},
      /--token shows on the pilot's command line, which every user can read/,
    ],
    [
      'a token file nobody can read',
      ['pilot', '--payload-user', 'nobody', '--work-dir', '<shared>/w2'],
      { P3S_TOKEN_FILE: '<open token>' },
      /nobody could read the pilot's token file .*chmod 600/,
    ],
  ])('refuse %s, saying why', async (_, args, extra, message) => {
    const openToken = join(shared, 'open.token');
    writeFileSync(openToken, 'p3s_readable_by_all\n', { mode: 0o644 });
    const fill = (v: string) => v.replace('<shared>', shared).replace('<open token>', openToken);
    const env = Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, fill(v)]));
    const res = await p3s(args.map(fill), { ...c.env, ...env });
    expect(res.code, res.stdout).toBe(2);
    expect(res.stderr).toMatch(message);
  });
});

function readCmdline(pid: number): string {
  return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
}

// The refusal without root, seen for real: as this user when it is not root, else as nobody.
describe('a pilot that is not root', () => {
  it('refuses --payload-user at start with a clear message and exit status 2', async () => {
    const uid = isRoot ? NOBODY : (process.getuid?.() as number);
    // A checkout under a private directory (/root/…) cannot be run by any other user at all.
    const files = [
      BIN,
      join(ROOT, 'dist', 'cli', 'main.js'),
      join(ROOT, 'node_modules', 'commander', 'package.json'),
    ];
    const as = isRoot ? { uid: NOBODY, gid: NOBODY } : {};
    const check = 'for f; do test -r "$f" || exit 1; done';
    if (spawnSync('/bin/sh', ['-c', check, 'sh', ...files], as).status !== 0) {
      console.warn(
        `payload-user.test.ts: skipped the non-root refusal: nobody cannot read this checkout (${ROOT})`,
      );
      return;
    }
    const home = tempDir('p3s-nobody-home-');
    chmodSync(home, 0o777);
    try {
      // No server is needed: the pilot refuses before it sends anything.
      const child = spawn(process.execPath, [BIN, 'pilot', '--payload-user', 'nobody'], {
        ...as,
        env: { PATH: process.env.PATH, P3S_HOME: home, HOME: home, P3S_SERVER: 'http://127.0.0.1:9' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr?.on('data', (d) => {
        stderr += d;
      });
      const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
      expect(stderr).toContain(
        `--payload-user nobody: only a pilot running as root can start payloads as another user (this one runs as uid ${uid})`,
      );
      expect(code).toBe(2);
    } finally {
      removeDir(home);
    }
  });
});
