// What the payload guardian does when its pilot is gone (guardian-main.ts), and the notes the pilot
// sends it: one line per payload started (`+<pgid>`) and drained (`-<pgid>`).

import { childCgroups, killCgroup, removePilotCgroups } from './job-cgroup.ts';
import { killMarked, signalAll } from './process-sweep.ts';

export type GuardianNote = { kind: 'started'; pgid: number } | { kind: 'drained'; pgid: number };

export function formatNote(note: GuardianNote): string {
  return `${note.kind === 'started' ? '+' : '-'}${note.pgid}\n`;
}

export function parseNote(line: string): GuardianNote | null {
  const match = /^([+-])(\d+)$/.exec(line.trim());
  if (!match) return null;
  return { kind: match[1] === '+' ? 'started' : 'drained', pgid: Number(match[2]) };
}

/**
 * Kills everything the pilot's payloads left: each process group still noted, each job cgroup,
 * then every process marked with one of the pilot's uuids (descendants that left their group), until a
 * scan finds none; then removes the pilot's cgroups. SIGKILL at once: the pilot that could have
 * reported a gentler end is gone.
 */
export function killPayloads(what: {
  pilotUuids: readonly string[];
  groups: number[];
  cgroupDir: string | null;
}): void {
  signalAll(
    what.groups.map((pgid) => -pgid),
    'SIGKILL',
  );
  if (what.cgroupDir) for (const dir of childCgroups(what.cgroupDir)) killCgroup(dir);
  for (const uuid of what.pilotUuids) killMarked({ P3S_PILOT_UUID: uuid });
  if (what.cgroupDir) removePilotCgroups(what.cgroupDir);
}
