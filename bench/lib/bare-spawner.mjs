// The least a pilot must do per job, as a baseline for its CPU (bench/pilot-cost.ts): spawn the
// payload, read its stdout and stderr pipes to the end, wait for it to exit; one job after another.
// Reads `N` lines on stdin, runs N spawns for each and answers `done` on stdout. Node builtins only.

import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

const [file, ...args] = process.argv.slice(2);

function once() {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.resume();
    child.stderr.resume();
    child.once('error', reject);
    child.once('close', resolve);
  });
}

for await (const line of createInterface({ input: process.stdin })) {
  const n = Number(line);
  for (let i = 0; i < n; i++) await once();
  process.stdout.write('done\n');
}
