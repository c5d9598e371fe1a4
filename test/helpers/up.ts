// `p3s up` for end-to-end tests: started in a new home on a free port, returned once its pilots
// are idle, with the environment its clients use.

import { baseEnv, freePort, type Proc, p3s, startP3s, tempDir, waitFor } from './processes.ts';

export interface UpPilot {
  pid: number;
  uuid: string;
  state: string;
}

export interface Up {
  /** The data directory (remove it after the test). */
  home: string;
  url: string;
  /** What a client on this host uses: the home, no server or token of its own. */
  env: NodeJS.ProcessEnv;
  up: Proc;
  pilotPids: number[];
  /** The server's pilots, as `p3s pilots list --json` shows them. */
  pilots(): Promise<UpPilot[]>;
}

export async function upWithIdlePilots(pilotCount = 4, extraArgs: string[] = []): Promise<Up> {
  const home = tempDir();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env = baseEnv({
    P3S_HOME: home,
    P3S_SERVER: undefined,
    P3S_TOKEN: undefined,
    P3S_TOKEN_FILE: undefined,
    P3S_PORT: String(port),
  });
  const up = startP3s(['up', '-n', String(pilotCount), ...extraArgs], env);
  await waitFor('up prints its URL', () => up.output().includes(url), 30_000);
  const pilots = async () =>
    JSON.parse((await p3s(['pilots', 'list', '--json'], env)).stdout).pilots as UpPilot[];
  await waitFor(
    `${pilotCount} pilots idle`,
    async () => (await pilots()).filter((p) => p.state === 'idle').length === pilotCount,
    30_000,
  );
  return { home, url, env, up, pilotPids: (await pilots()).map((p) => p.pid), pilots };
}
