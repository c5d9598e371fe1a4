// Options every client command shares (--server, --token, --ca-file, --data-dir, --json) and the
// client they give.

import { type Command, Option, type OptionValues } from '@commander-js/extra-typings';
import { P3sClient } from '../../protocol/client.ts';
import { Output } from '../output.ts';
import {
  type CaFileSource,
  resolveCaFile,
  resolveDataDir,
  resolveServerUrl,
  resolveToken,
  type ServerUrlSource,
  type TokenSource,
} from '../settings.ts';

export const serverOption = () =>
  new Option('--server <url>', 'server URL (default: $P3S_SERVER, the local server, http://127.0.0.1:7878)');
export const dataDirOption = () =>
  new Option('--data-dir <dir>', 'data directory (default: $P3S_HOME or ~/.p3s)');
export const jsonOption = () => new Option('--json', 'print JSON (for programs) instead of text');
export const tokenOption = () =>
  new Option(
    '--token <token>',
    'access token (default: $P3S_TOKEN, the file $P3S_TOKEN_FILE, or the local admin token for the local server)',
  );
export const caFileOption = () =>
  new Option(
    '--ca-file <file>',
    'PEM file of the CA to trust for an https:// server, e.g. its self-signed certificate (default: $P3S_CA_FILE)',
  );

/** A key that makes a submission safe to send again (e.g. after a lost answer): see docs/reference/api.md. */
export const idempotencyKeyOption = () =>
  new Option(
    '--idempotency-key <key>',
    'send the same command with the same key again and nothing is created twice (keys live 24 h)',
  );

/** Said when the server answered a re-sent submission with its first answer. */
export function replayedNote(key: string | undefined): string {
  return `p3s: sent before with idempotency key ${JSON.stringify(key)}: nothing new was created, this is the first answer`;
}

/** Adds --server, --token and --ca-file (the flags that say which server and how to reach it). */
export function withServerOptions<A extends unknown[], O extends OptionValues, G extends OptionValues>(
  cmd: Command<A, O, G>,
) {
  return cmd.addOption(serverOption()).addOption(tokenOption()).addOption(caFileOption());
}

/** Adds --server, --token, --ca-file, --data-dir and --json (after a command's own flags, so help lists those first). */
export function withClientOptions<A extends unknown[], O extends OptionValues, G extends OptionValues>(
  cmd: Command<A, O, G>,
) {
  return withServerOptions(cmd).addOption(dataDirOption()).addOption(jsonOption());
}

export interface Connection {
  client: P3sClient;
  url: string;
  source: ServerUrlSource;
  tokenSource: TokenSource;
  caFile: string | undefined;
  caFileSource: CaFileSource;
  dataDir: string;
}

export function connect(
  opts: { server?: string; dataDir?: string; token?: string; caFile?: string },
  clientOptions: { timeoutMs?: number } = {},
): Connection {
  const dataDir = resolveDataDir(opts.dataDir);
  const { url, source } = resolveServerUrl(opts.server, dataDir);
  const { token, source: tokenSource } = resolveToken(opts.token, dataDir, url);
  const { caFile, source: caFileSource } = resolveCaFile(opts.caFile);
  const client = new P3sClient({ server: url, token, caFile, onResend: noteResend(), ...clientOptions });
  return { client, url, source, tokenSource, caFile, caFileSource, dataDir };
}

/** Says once, on stderr, that a submission is being sent again, with the key that keeps it single. */
function noteResend(): (failure: Error, key: string) => void {
  let said = false;
  return (failure, key) => {
    if (said) return;
    said = true;
    process.stderr.write(
      `p3s: ${failure.message}; the submission may have been stored: sending it again with idempotency key ${key} (nothing is created twice)\n`,
    );
  };
}

export function output(opts: { json?: boolean }): Output {
  return new Output({ json: opts.json === true });
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
