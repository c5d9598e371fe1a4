// `p3s pilots stop`: local pilots get SIGTERM (only after /proc proves the pid still runs that
// pilot's uuid), others a stop request the pilot picks up at its next claim or heartbeat.

import { monotonicNow } from '../../core/clock.ts';
import { ApiError } from '../../protocol/client.ts';
import type { PilotWire } from '../../protocol/schemas/pilots.ts';
import {
  type PilotRecord,
  pilotProcessState,
  readRecords,
  removeRecord,
  waitForPidExit,
} from '../local-pilots.ts';
import type { Output } from '../output.ts';
import { type Connection, sleep } from './common.ts';

const LOCAL_WAIT_S = 30;
const LIVE = 'idle,running';

interface Selection {
  ids: string[];
  all?: true;
  local?: true;
  site?: string;
  host?: string;
  wait?: number;
}

interface Target {
  label: string;
  uuid?: string;
  /** Server id or uuid to ask the server with. */
  ref?: string | number;
  record?: PilotRecord;
}

interface Result {
  target: string;
  ok: boolean;
  message: string;
}

/** Stops the selected pilots and prints one line each; returns how many could not be stopped. */
export async function stopPilots(
  { client, dataDir }: Connection,
  out: Output,
  sel: Selection,
): Promise<number> {
  const records = readRecords(dataDir);
  const targets = new Map<string, Target>();
  const add = (t: Target) => {
    const key = t.uuid ?? String(t.ref);
    if (!targets.has(key)) targets.set(key, t);
  };
  const fromRecord = (r: PilotRecord): Target => ({
    label: `pilot ${r.uuid.slice(0, 8)}`,
    uuid: r.uuid,
    record: r,
  });
  const fromServer = (p: PilotWire): Target => {
    const record = records.find((r) => r.uuid === p.uuid);
    return { label: `pilot ${p.id} (${p.uuid.slice(0, 8)})`, uuid: p.uuid, ref: p.id, record };
  };
  const results: Result[] = [];

  for (const id of sel.ids) {
    const target = await resolveId(client, records, id);
    if ('message' in target) results.push(target);
    else
      add(target.record && !target.pilot ? fromRecord(target.record) : fromServer(target.pilot as PilotWire));
  }
  if (sel.all || sel.local) for (const r of records) add(fromRecord(r));
  if (sel.all || sel.site || sel.host) {
    const page = await client.listPilots({ state: LIVE, site: sel.site, host: sel.host, limit: 1000 });
    for (const p of page.pilots) add(fromServer(p));
  }
  if (targets.size === 0 && results.length === 0) out.note('no pilots matched');

  // Signal every local pilot first, then wait for all of them together.
  const waiting: Promise<Result>[] = [];
  for (const t of targets.values()) {
    if (t.record) {
      const r = t.record;
      const state = pilotProcessState(r.pid, r.uuid);
      if (state === 'alive') {
        try {
          process.kill(r.pid, 'SIGTERM');
        } catch (error) {
          results.push({
            target: t.label,
            ok: false,
            message: `cannot signal pid ${r.pid}: ${(error as Error).message}`,
          });
          continue;
        }
        waiting.push(
          waitForPidExit(r.pid, r.uuid, (sel.wait ?? LOCAL_WAIT_S) * 1000).then((gone) => {
            if (gone) removeRecord(dataDir, r.uuid);
            return gone
              ? { target: t.label, ok: true, message: `stopped (pid ${r.pid})` }
              : {
                  target: t.label,
                  ok: false,
                  message: `sent SIGTERM to pid ${r.pid}, still running; check ${r.logFile}`,
                };
          }),
        );
        continue;
      }
      removeRecord(dataDir, r.uuid);
      const why = state === 'gone' ? 'not running' : `pid ${r.pid} now runs something else, not signalled`;
      results.push({ target: t.label, ok: true, message: `${why} (local record removed)` });
      continue;
    }
    waiting.push(stopThroughServer(client, t, sel.wait ?? 0));
  }
  results.push(...(await Promise.all(waiting)));

  if (out.json) out.data({ results });
  for (const r of results) {
    if (r.ok) {
      if (!out.json) out.line(`${r.target}: ${r.message}`);
    } else out.note(`p3s: ${r.message.startsWith(r.target) ? r.message : `${r.target}: ${r.message}`}`);
  }
  return results.filter((r) => !r.ok).length;
}

async function stopThroughServer(client: Connection['client'], t: Target, waitS: number): Promise<Result> {
  try {
    const { pilot } = await client.stopPilot(t.ref ?? (t.uuid as string));
    if (pilot.state === 'stopped' || pilot.state === 'lost')
      return { target: t.label, ok: true, message: `already ${pilot.state}` };
    const deadline = monotonicNow() + waitS * 1000;
    while (monotonicNow() < deadline) {
      await sleep(500);
      const now = (await client.getPilot(pilot.id)).pilot;
      if (now.state === 'stopped' || now.state === 'lost')
        return { target: t.label, ok: true, message: now.state };
    }
    return {
      target: t.label,
      ok: waitS === 0,
      message:
        waitS === 0
          ? 'stop requested; it stops at its next claim or heartbeat'
          : `still ${pilot.state} after ${waitS}s`,
    };
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    return { target: t.label, ok: false, message: error.message };
  }
}

/**
 * Digits are a server id first; anything else a local pilot's uuid prefix first. Either way the
 * other reading is the fallback, so a uuid prefix that happens to be all digits still works.
 */
async function resolveId(
  client: Connection['client'],
  records: PilotRecord[],
  id: string,
): Promise<{ pilot?: PilotWire; record?: PilotRecord } | Result> {
  const local = () => {
    const matches = records.filter((r) => r.uuid.startsWith(id));
    return matches.length === 1 ? { record: matches[0] as PilotRecord } : undefined;
  };
  const numeric = /^\d+$/.test(id);
  if (!numeric) {
    const found = local();
    if (found) return found;
  }
  try {
    return { pilot: (await client.getPilot(numeric ? Number(id) : id)).pilot };
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    const found = numeric ? local() : undefined;
    if (found) return found;
    const message = error.message.includes(id) ? error.message : `pilot ${id}: ${error.message}`;
    return { target: `pilot ${id}`, ok: false, message };
  }
}
