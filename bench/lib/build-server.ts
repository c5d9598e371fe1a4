// The server of a given build (a ROOT holding bin/ and dist/), for the A/B tools: started on a
// free port in `dataDir`, waited for, and driven as its local admin.

import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULTS } from '../../src/core/defaults.ts';
import { P3sClient } from '../../src/protocol/client.ts';
import { baseEnv, freePort, waitFor } from '../../test/helpers/processes.ts';

export interface BuildServer {
  child: ChildProcess;
  url: string;
  /** The admin token the server wrote at start. */
  token: string;
  client: P3sClient;
  /** Kills the server and waits for it to exit. */
  kill(): Promise<void>;
}

export async function startBuildServer(
  root: string,
  dataDir: string,
  args: string[] = [],
): Promise<BuildServer> {
  const port = await freePort();
  const serverArgs = [
    'server',
    '--port',
    String(port),
    '--data-dir',
    dataDir,
    '--log-level',
    'warn',
    ...args,
  ];
  const child = spawn(process.execPath, [join(root, 'bin', 'p3s.js'), ...serverArgs], {
    env: baseEnv(),
    stdio: 'ignore',
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const kill = async () => {
    child.kill('SIGKILL');
    await exited;
  };
  try {
    const url = `http://127.0.0.1:${port}`;
    await waitFor('server', async () => (await fetch(`${url}/api/v1/health`)).ok, 30_000);
    const token = readFileSync(join(dataDir, DEFAULTS.adminTokenFile), 'utf8').trim();
    return { child, url, token, client: new P3sClient({ server: url, timeoutMs: 120_000, token }), kill };
  } catch (error) {
    await kill();
    throw error;
  }
}
