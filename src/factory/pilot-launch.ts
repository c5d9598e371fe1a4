// What a factory-submitted pilot runs: the ordinary `p3s pilot` with the site's settings, started
// with `exec` so the batch system's signals reach it, holding the site-bound pilot token from a
// file (never the factory's token). Pure: each adapter adds its directives and batch-id expression.

import { type Provisioning, pilotLifetimeOf } from '../core/index.ts';

export interface PilotLaunch {
  site: string;
  /** Shell text that runs p3s on the node: the site's `pilotCommand`, or the factory's. */
  command: string;
  /** `pilot` and its arguments (the adapter appends `--batch-id`). */
  args: string[];
  /** The server URL as the pilots reach it. */
  server: string;
  /** The CA file pilots trust for an https:// server, if any (a path on the nodes). */
  caFile: string | null;
}

export function pilotLaunch(
  site: { name: string; provisioning: Provisioning },
  factory: { pilotServer: string; pilotCommand: string; caFile: string | null },
): PilotLaunch {
  const p = site.provisioning;
  const args = [
    'pilot',
    '--site',
    site.name,
    // Claim until idle or out of lifetime; the site's pilotArgs come last and win.
    '--cycles',
    '0',
    '--idle-exit',
    String(p.pilotIdle),
    '--lifetime',
    String(pilotLifetimeOf(p)),
    '--timefloor',
    String(p.pilotTimefloor),
    ...(p.jobTypes.length > 0 ? ['--jobtypes', p.jobTypes.join(',')] : []),
    ...p.pilotArgs,
  ];
  return {
    site: site.name,
    command: p.pilotCommand ?? factory.pilotCommand,
    args,
    server: factory.pilotServer,
    caFile: factory.caFile,
  };
}

/**
 * The shell expressions an adapter fills in: its batch id, the token file and a data dir of the
 * pilot's own, one per pilot and never in the factory's (the server's) data dir.
 */
export interface ScriptParts {
  /** Lines after the shebang: batch directives, then the site's submit lines. */
  header: string[];
  batchId: string;
  tokenFile: string;
  home: string;
}

/** The batch script: env for the pilot, then `exec p3s pilot … --batch-id <id>`. */
export function pilotScript(launch: PilotLaunch, parts: ScriptParts): string {
  const lines = [
    '#!/bin/sh',
    ...parts.header,
    `# A p3s pilot for site ${launch.site}, written by the p3s factory; its log is this batch job's output.`,
    // Only the site-bound token of the file below: never a token the environment brought along.
    'unset P3S_TOKEN',
    // HTCondor starts jobs without PATH; the pilot's payloads need one.
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell text
    'export PATH="${PATH:-/usr/local/bin:/usr/bin:/bin}"',
    `export P3S_SERVER=${shellQuote(launch.server)}`,
    `export P3S_TOKEN_FILE=${parts.tokenFile}`,
    `export P3S_HOME=${parts.home}`,
    ...(launch.caFile ? [`export P3S_CA_FILE=${shellQuote(launch.caFile)}`] : []),
    // The pilot's data dir is its own: private, and not one another user made for it beforehand.
    '(umask 077 && mkdir -p "$P3S_HOME") && [ -O "$P3S_HOME" ] || { echo "p3s: $P3S_HOME cannot be a data dir of our own" >&2; exit 1; }',
    `exec ${launch.command} ${launch.args.map(shellQuote).join(' ')} --batch-id ${parts.batchId}`,
    '',
  ];
  return lines.join('\n');
}

/** One shell word: single-quoted unless plainly safe. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
