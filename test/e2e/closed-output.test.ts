// A command whose output pipe has no reader any more (`p3s … | head`): a short command ends
// quietly with code 0 instead of crashing on EPIPE. (`p3s up` going on to its clean stop in the
// same situation is tested in up.test.ts.)

import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { BIN, baseEnv } from '../helpers/processes.ts';

describe('closed output', () => {
  it('ends a short command with code 0 when its stdout reader is gone', async () => {
    const child = spawn(process.execPath, [BIN, '--help'], {
      env: baseEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Closed long before the CLI has loaded and written anything: its first write fails with EPIPE.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});
