// No payload outlives its pilot: `kill -9` of a real pilot process mid-job, and its payload and the
// child the payload setsid-ed are gone within a second (the pilot's guardian kills them; with cgroups
// the job's cgroup, without them the process group and the marks). Also for a pilot that may not
// create cgroups (run as `nobody`), for a payload process running as another user, and for every
// slot's payload of a multi-slot pilot (each marked with its slot's uuid).

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { alive, BIN, baseEnv, waitFor } from '../helpers/processes.ts';
import { type RealServer, startRealServer } from '../helpers/real-server.ts';

const asRoot = process.getuid?.() === 0;
const nobodyExists = spawnSync('id', ['-u', 'nobody']).status === 0;

let root: string;
let server: RealServer;
let pilot: ChildProcess | undefined;
const leftovers = new Set<number>();

beforeEach(async () => {
  root = mkdtempSync(join(tmpdir(), 'p3s-contain-e2e-'));
  // World-writable: the pilot run as nobody writes its sandboxes and logs here.
  chmodSync(root, 0o777);
  server = await startRealServer({ sqlitePath: join(root, 'p3s.db'), config: { maxClaimWaitSeconds: 1 } });
});
afterEach(async () => {
  pilot?.kill('SIGKILL');
  // Should the feature fail: the payload's group (its shell and sleep) and its setsid child's.
  for (const pid of leftovers) {
    for (const target of [-pid, pid]) {
      try {
        process.kill(target, 'SIGKILL');
      } catch {
        // gone, as it should be
      }
    }
  }
  leftovers.clear();
  await server.close();
  rmSync(root, { recursive: true, force: true });
});

/** A real `p3s pilot` process; `as` runs it as another user (root only; group nogroup). */
function startPilot(as?: string, extra: string[] = []): ChildProcess {
  const argv = [BIN, 'pilot', '--server', server.url, '--uuid', randomUUID(), '-c', '0', '-p', '1', ...extra];
  argv.push('--work-dir', join(root, 'work'), '--joblog-dir', join(root, 'joblogs'), '--log-level', 'warn');
  const env = baseEnv({ P3S_TOKEN: server.adminToken, HOME: root });
  // setpriv execs in place (runuser would fork): the pid is the pilot's own, for kill -9.
  const user = ['--reuid', as ?? '', '--regid', 'nogroup', '--clear-groups', '--'];
  const child = as
    ? spawn('setpriv', [...user, process.execPath, ...argv], { env, stdio: 'ignore' })
    : spawn(process.execPath, argv, { env, stdio: 'ignore' });
  pilot = child;
  return child;
}

/** The job's payload writes its own pid and its setsid child's pid, then waits. */
async function runningPayload(prefix = ''): Promise<{ main: number; child: number }> {
  const main = join(root, `main-${randomUUID()}`);
  const child = join(root, `child-${randomUUID()}`);
  const payload =
    `echo $$ > ${main}; ` +
    `${prefix}setsid sh -c 'echo $$ > ${child}; exec sleep 300' >/dev/null 2>&1 & ` +
    `while [ ! -s ${child} ]; do sleep 0.02; done; sleep 300`;
  await server.client.submitJobs([
    { name: 'contained', payload, timeout: '600', env: { P3S_EXECMODE: '1' } },
  ]);
  const pids = await waitFor('the payload and its child', () => {
    if (!existsSync(main) || !existsSync(child)) return undefined;
    const m = Number(readFileSync(main, 'utf8'));
    const c = Number(readFileSync(child, 'utf8'));
    return m > 0 && c > 0 && { main: m, child: c };
  });
  leftovers.add(pids.main);
  leftovers.add(pids.child);
  return pids;
}

async function killPilotAndExpectPayloadGone(
  process_: ChildProcess,
  ...payloads: { main: number; child: number }[]
) {
  const pids = payloads.flatMap((p) => [p.main, p.child]);
  expect(pids.every(alive)).toBe(true);
  process_.kill('SIGKILL');
  // Polled, bounded at the second the guardian has to do it in.
  await waitFor('the payloads and their setsid children gone', () => !pids.some(alive), 1000, 20);
}

describe('kill -9 of a pilot mid-job', () => {
  it('ends its payload and the payload setsid child within a second', async () => {
    const child = startPilot();
    await killPilotAndExpectPayloadGone(child, await runningPayload());
  });

  it.runIf(asRoot && nobodyExists)(
    'ends them too for a pilot that may not create cgroups (run as nobody)',
    async () => {
      const child = startPilot('nobody');
      await killPilotAndExpectPayloadGone(child, await runningPayload());
    },
  );

  it.runIf(asRoot && nobodyExists)(
    'ends every slot payload of a multi-slot pilot that may not create cgroups (run as nobody)',
    async () => {
      const child = startPilot('nobody', ['--slots', '2']);
      const [one, two] = await Promise.all([runningPayload(), runningPayload()]);
      await killPilotAndExpectPayloadGone(
        child,
        one as { main: number; child: number },
        two as { main: number; child: number },
      );
    },
  );

  it.runIf(asRoot && nobodyExists)('ends a payload process that runs as another user', async () => {
    const child = startPilot();
    await killPilotAndExpectPayloadGone(child, await runningPayload('runuser -u nobody -- '));
  });
});
