import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LOCAL_EXIT, localExitCode, runJobLocally } from './local-run.ts';

describe('localExitCode', () => {
  it.each([
    [{ kind: 'exited', exitCode: 0 }, 0],
    [{ kind: 'exited', exitCode: 3 }, 3],
    [{ kind: 'signaled', signal: 'SIGKILL' }, 137],
    [{ kind: 'signaled', signal: 'SIGSEGV' }, 139],
    [{ kind: 'timelimit', timelimit: 5 }, LOCAL_EXIT.timelimit],
    [{ kind: 'nonstarter', reason: 'x' }, LOCAL_EXIT.nonstarter],
    [{ kind: 'killed', reason: 'killed' }, LOCAL_EXIT.interrupted],
  ] as const)('%j → %d', (end, code) => {
    expect(localExitCode(end)).toBe(code);
  });
});

describe('runJobLocally', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'p3s-local-run-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  function sink(): { stream: Writable; text: () => string } {
    const chunks: Buffer[] = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        chunks.push(Buffer.from(chunk));
        done();
      },
    });
    return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
  }

  it('runs in its own sandbox with the env layers, writes the log files and echoes them', async () => {
    const out = sink();
    const err = sink();
    const run = await runJobLocally({
      payload: '/bin/sh -c "echo $LAYER $ONLY_SITE in $(pwd); echo oops >&2; exit 3"',
      env: { LAYER: 'job' },
      siteEnv: { LAYER: 'site', ONLY_SITE: 'yes' },
      timelimit: 30,
      workDir: join(root, 'work'),
      joblogDir: join(root, 'logs'),
      label: 'run-test',
      killGrace: 1,
      shell: false,
      echo: { stdout: out.stream, stderr: err.stream },
    });
    const sandbox = join(root, 'work', 'run-test-1');
    expect(run).toMatchObject({ exitCode: 3, sandbox, logs: { out: join(root, 'logs', 'run-test.out') } });
    expect(out.text()).toBe(`job yes in ${sandbox}\n`);
    expect(err.text()).toBe('oops\n');
    expect(readFileSync(run.logs.out, 'utf8')).toBe(out.text());
  });

  it('ends a payload past its time limit with the timelimit status', async () => {
    const run = await runJobLocally({
      payload: 'sleep 30',
      env: {},
      timelimit: 1,
      workDir: join(root, 'work'),
      joblogDir: join(root, 'logs'),
      label: 'run-slow',
      killGrace: 0.5,
      shell: false,
      echo: null,
    });
    expect(run.result.kind).toBe('timelimit');
    expect(run.exitCode).toBe(LOCAL_EXIT.timelimit);
  });
});
