// The `local` adapter: pilots as detached processes on the factory's own host, for a site that is
// one machine (and for trying the factory without a batch system). A small shell wrapper records
// each pilot's pid and, when it ends, its exit status, so the factory can tell how it ended even
// after a restart of its own.

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import type { BatchObservation } from '../../core/index.ts';
import { pilotScript, shellQuote } from '../pilot-launch.ts';
import { type BatchAdapter, nativeIds, type SubmitOutcome, type SubmitRequest } from './adapter.ts';
import { batchEnv } from './command.ts';

const LOCAL_ID = /^[0-9a-f]{12}$/;
// $1 script, $2 batch id, $3 state file prefix. The script execs the pilot, so its pid is the pilot's.
// A removal that came before the start is honoured by not starting at all.
const WRAPPER =
  '[ -e "$3.cancelled" ] && { echo 143 > "$3.exit"; exit 0; }; /bin/sh "$1" "$2" & echo $! > "$3.pid"; wait $!; echo $? > "$3.exit"';

export function localAdapter(stateDir: string): BatchAdapter {
  const state = (id: string, what: 'pid' | 'exit' | 'cancelled' | 'tag') => join(stateDir, `${id}.${what}`);

  return {
    system: 'local',

    async submit(request: SubmitRequest): Promise<SubmitOutcome> {
      mkdirSync(stateDir, { recursive: true });
      const script = join(request.scriptDir, `${request.site}.local.sh`);
      writeFileSync(
        script,
        pilotScript(request.launch, {
          header: [],
          batchId: '"$1"',
          tokenFile: shellQuote(request.tokenFile),
          // One per pilot, outside the factory's dir (which may be in the server's data dir).
          // biome-ignore lint/suspicious/noTemplateCurlyInString: shell text, expanded by the pilot's shell
          home: '"${TMPDIR:-/tmp}/p3s-pilot-${1#local:}"',
        }),
        { mode: 0o755 },
      );
      const submitted: SubmitOutcome['submitted'] = [];
      for (let i = 0; i < request.count; i++) {
        const id = randomBytes(6).toString('hex');
        const logPath = join(request.logDir, `local-${id}.out`);
        writeFileSync(state(id, 'tag'), request.tag);
        const log = openSync(logPath, 'a');
        try {
          const child = spawn(
            '/bin/sh',
            ['-c', WRAPPER, 'p3s-local', script, `local:${id}`, join(stateDir, id)],
            {
              detached: true,
              stdio: ['ignore', log, log],
              env: batchEnv(),
            },
          );
          child.once('error', () => undefined);
          child.unref();
        } catch (error) {
          return { submitted, refused: `cannot start a local pilot: ${(error as Error).message}` };
        } finally {
          closeSync(log);
        }
        submitted.push({ batchId: `local:${id}`, logPath });
      }
      return { submitted, refused: null };
    },

    async status(batchIds: string[]): Promise<Map<string, BatchObservation>> {
      const out = new Map<string, BatchObservation>();
      for (const id of nativeIds('local', batchIds, LOCAL_ID)) {
        const batchId = `local:${id}`;
        const base = { batchId, exitCode: null, reason: null, startedAt: null, endedAt: null };
        const pidFile = state(id, 'pid');
        const exitFile = state(id, 'exit');
        if (!existsSync(pidFile) && !existsSync(exitFile)) {
          out.set(batchId, { ...base, state: 'submitted' });
          continue;
        }
        const startedAt = existsSync(pidFile) ? Math.round(statSync(pidFile).mtimeMs) : null;
        if (existsSync(exitFile)) {
          const code = Number(readFileSync(exitFile, 'utf8').trim());
          const cancelled = existsSync(state(id, 'cancelled'));
          out.set(batchId, {
            ...base,
            state: cancelled ? 'cancelled' : code === 0 ? 'finished' : 'failed',
            exitCode: Number.isInteger(code) ? code : null,
            startedAt,
            endedAt: Math.round(statSync(exitFile).mtimeMs),
          });
          continue;
        }
        // Alive: running. Dead without an exit status (the host rebooted): absent, i.e. lost.
        if (alive(Number(readFileSync(pidFile, 'utf8').trim())))
          out.set(batchId, { ...base, state: 'running', startedAt });
      }
      return out;
    },

    async findTagged(tag: string, logDir: string) {
      let names: string[];
      try {
        names = readdirSync(stateDir).filter((n) => n.endsWith('.tag'));
      } catch {
        return [];
      }
      return names.flatMap((name) => {
        const id = name.slice(0, -'.tag'.length);
        if (!LOCAL_ID.test(id) || readFileSync(join(stateDir, name), 'utf8') !== tag) return [];
        return [{ batchId: `local:${id}`, logPath: join(logDir, `local-${id}.out`) }];
      });
    },

    async remove(batchIds: string[]): Promise<void> {
      for (const id of nativeIds('local', batchIds, LOCAL_ID)) {
        if (existsSync(state(id, 'exit'))) continue;
        writeFileSync(state(id, 'cancelled'), '');
        const pidFile = state(id, 'pid');
        if (!existsSync(pidFile)) continue;
        const pid = Number(readFileSync(pidFile, 'utf8').trim());
        if (alive(pid)) process.kill(pid, 'SIGTERM');
      }
    },
  };
}

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
