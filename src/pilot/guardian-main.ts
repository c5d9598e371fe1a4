// The payload guardian's process (see guardian.ts): `node guardian-main.js <cgroup dir | -> <pilot uuid>...`.
// It reads the pilot's notes on stdin and, when stdin ends — the pilot exited or was killed, even
// with SIGKILL — kills every process the pilot's payloads left: their process groups, the pilot's
// job cgroups, and every process marked with one of the pilot's uuids (one per slot). Then it exits.
// Node builtins only.

import { killPayloads, parseNote } from './guardian-sweep.ts';

const [cgroupArg, ...pilotUuids] = process.argv.slice(2);
if (pilotUuids.length === 0) {
  process.stderr.write('usage: guardian-main <cgroup dir | -> <pilot uuid>...\n');
  process.exit(2);
}
const groups = new Set<number>();
let pending = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk: string) => {
  pending += chunk;
  const lines = pending.split('\n');
  pending = lines.pop() ?? '';
  for (const line of lines) {
    const note = parseNote(line);
    if (note?.kind === 'started') groups.add(note.pgid);
    if (note?.kind === 'drained') groups.delete(note.pgid);
  }
});
const sweep = () => {
  killPayloads({
    pilotUuids,
    groups: [...groups],
    cgroupDir: cgroupArg && cgroupArg !== '-' ? cgroupArg : null,
  });
  process.exit(0);
};
process.stdin.on('end', sweep);
process.stdin.on('error', sweep);
// Signals meant for the pilot's terminal or group are not for us: only the pipe's end is.
for (const signal of ['SIGINT', 'SIGHUP', 'SIGTERM', 'SIGPIPE'] as const) process.on(signal, () => undefined);
