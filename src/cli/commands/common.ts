// Options every client command shares (--server, --data-dir, --json) and the client they give.

import { type Command, Option, type OptionValues } from '@commander-js/extra-typings';
import { P3sClient } from '../../protocol/client.ts';
import { Output } from '../output.ts';
import { resolveDataDir, resolveServerUrl, type ServerUrlSource } from '../settings.ts';
import { currentUser } from '../user.ts';

export const serverOption = () =>
  new Option('--server <url>', 'server URL (default: $P3S_SERVER, the local server, http://127.0.0.1:7878)');
export const dataDirOption = () =>
  new Option('--data-dir <dir>', 'data directory (default: $P3S_HOME or ~/.p3s)');
export const jsonOption = () => new Option('--json', 'print JSON (for programs) instead of text');

/** Adds --server, --data-dir and --json (after a command's own flags, so help lists those first). */
export function withClientOptions<A extends unknown[], O extends OptionValues, G extends OptionValues>(
  cmd: Command<A, O, G>,
) {
  return cmd.addOption(serverOption()).addOption(dataDirOption()).addOption(jsonOption());
}

export interface Connection {
  client: P3sClient;
  url: string;
  source: ServerUrlSource;
  dataDir: string;
}

export function connect(opts: { server?: string; dataDir?: string }): Connection {
  const dataDir = resolveDataDir(opts.dataDir);
  const { url, source } = resolveServerUrl(opts.server, dataDir);
  // The user is recorded as the actor of what the command changes (job events, workflow owners).
  return { client: new P3sClient({ server: url, user: currentUser() }), url, source, dataDir };
}

export function output(opts: { json?: boolean }): Output {
  return new Output({ json: opts.json === true });
}

/** `12-14 20 31-33`: consecutive ids folded into ranges. */
export function formatIds(ids: number[]): string {
  const parts: string[] = [];
  let i = 0;
  while (i < ids.length) {
    let j = i;
    while (j + 1 < ids.length && (ids[j + 1] as number) === (ids[j] as number) + 1) j++;
    parts.push(j - i >= 2 ? `${ids[i]}-${ids[j]}` : ids.slice(i, j + 1).join(' '));
    i = j + 1;
  }
  return parts.join(' ');
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
