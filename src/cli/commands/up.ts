// `p3s up`: a server and N local pilots in one command, for a laptop or a single node.
// Ctrl-C (or SIGTERM) stops the pilots (they report and deregister), then the server.

import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { type Command, Option } from '@commander-js/extra-typings';
import { DEFAULTS } from '../../core/defaults.ts';
import { intArg } from '../args.ts';
import { CliError } from '../errors.ts';
import {
  ensureLocalPilotsToken,
  type LocalPilotsToken,
  localPilotsTokenName,
  sameUserWarning,
} from '../local-pilot-token.ts';
import { pilotEnv, pilotLogFile, removeRecord, spawnP3s, writeRecord } from '../local-pilots.ts';
import type { Output } from '../output.ts';
import {
  describeDatabase,
  readTokenFile,
  resolveCaFile,
  resolveDataDir,
  resolveServerUrl,
} from '../settings.ts';
import { exitSoon, waitForStopSignal } from '../signals.ts';
import { output } from './common.ts';
import { LOG_LEVELS } from './pilot.ts';
import {
  accessLines,
  databaseOption,
  hostOption,
  launchServer,
  portOption,
  purgeAfterOption,
  purgeEveryOption,
  serverDataDirOption,
  serverOptionsFrom,
  withSecurityOptions,
} from './server.ts';

/** Pilots get their kill grace to stop a payload, plus time to report; then they are killed. */
const PILOT_STOP_MS = (DEFAULTS.killGraceSeconds + 20) * 1000;

interface LocalPilot {
  uuid: string;
  child: ChildProcess;
  logFile: string;
}

export function addUpCommand(program: Command): void {
  const command = program
    .command('up')
    .description('start a server and local pilots in one go (Ctrl-C stops everything)')
    .addOption(
      new Option('-n, --pilots <n>', 'how many pilots to start')
        .argParser(intArg(0, 256))
        .default(DEFAULTS.upPilots as number),
    )
    .addOption(hostOption())
    .addOption(portOption())
    .addOption(serverDataDirOption())
    .addOption(databaseOption())
    .addOption(purgeAfterOption())
    .addOption(purgeEveryOption())
    .addOption(
      new Option('--log-level <level>', 'server log level').choices(LOG_LEVELS).default('warn' as const),
    )
    .addOption(
      new Option(
        '--payload-user <name>',
        'the pilots run payloads as this user, not as the server (start p3s up as root; needs --work-dir)',
      ),
    )
    .addOption(
      new Option(
        '--work-dir <dir>',
        "where the pilots' jobs run (default: <data dir>/work; with --payload-user: a directory that user can enter but not write to)",
      ),
    );
  withSecurityOptions(command)
    .addOption(
      new Option(
        '--ca-file <file>',
        'CA file the pilots trust (default: $P3S_CA_FILE, else the --tls-cert file: right for a self-signed certificate)',
      ),
    )
    .action(async (opts) => {
      const out = output({});
      const options = serverOptionsFrom(opts);
      // The pilots trust what clients of this server need to trust; checked before the server starts.
      const caFile = resolveCaFile(opts.caFile).caFile ?? options.tls?.certFile;
      const server = await launchServer(options);
      // The pilots get a pilot token of their own (never the admin token), as a file named in their
      // environment, never on argv.
      let pilotsToken: LocalPilotsToken;
      try {
        pilotsToken = await ensureLocalPilotsToken({
          dataDir: options.dataDir,
          server: server.url,
          adminToken: readAdminToken(server.adminTokenFile),
          caFile,
          note: (line) => out.note(line),
        });
      } catch (error) {
        await server.close();
        throw error;
      }
      const workDir = resolve(opts.workDir ?? join(options.dataDir, DEFAULTS.workDir));
      const joblogDir = join(options.dataDir, DEFAULTS.joblogDir);
      if (opts.payloadUser === undefined)
        out.note(sameUserWarning('p3s up', options.dataDir, pilotsToken.file));
      else {
        try {
          await checkPayloadUser(opts.payloadUser, { workDir, joblogDir, tokenFile: pilotsToken.file });
        } catch (error) {
          await server.close();
          throw error;
        }
      }
      const env = pilotEnv(process.env, { tokenFile: pilotsToken.file, caFile });
      let stopping = false;
      const pilots: LocalPilot[] = [];
      for (let i = 0; i < opts.pilots; i++) {
        const uuid = randomUUID();
        const logFile = pilotLogFile(options.dataDir, uuid);
        const argv = ['pilot', '-c', '0', '--server', server.url, '--uuid', uuid];
        argv.push('--work-dir', workDir, '--joblog-dir', joblogDir);
        if (opts.payloadUser !== undefined) argv.push('--payload-user', opts.payloadUser);
        // Own process group: a terminal Ctrl-C reaches only us, and we stop the pilots once, in order.
        const child = spawnP3s(argv, logFile, true, env);
        child.on('error', (error) => out.note(`p3s: pilot ${uuid.slice(0, 8)}: ${error.message}`));
        // Recorded like `pilots start` does, so `pilots list` knows them as local (its HERE column).
        if (child.pid !== undefined) {
          const record = {
            uuid,
            pid: child.pid,
            startedAt: Date.now(),
            server: server.url,
            logFile,
            site: null,
          };
          writeRecord(options.dataDir, record);
        }
        child.on('exit', (code, signal) => {
          removeRecord(options.dataDir, uuid);
          if (!stopping)
            out.note(`p3s: pilot ${uuid.slice(0, 8)} exited (${signal ?? `code ${code}`}); log: ${logFile}`);
        });
        pilots.push({ uuid, child, logFile });
      }
      printWelcome(out, {
        url: server.url,
        dataDir: options.dataDir,
        database: describeDatabase(options.databaseUrl, options.dataDir),
        pilots: pilots.length,
        pilotsToken: pilotsToken.file,
        payloadUser: opts.payloadUser ?? `${userInfo().username} (the server's own user)`,
        access: accessLines(server, options),
        caFile: options.tls ? caFile : undefined,
      });

      // Forced: a second signal tells the pilots to hurry; they still end their payloads (SIGKILL
      // after the kill grace), which killing the pilots themselves would leave running. SIGTERM and
      // SIGINT both: a SIGTERM still pending from the clean stop would swallow a second SIGTERM.
      const signal = await waitForStopSignal(() => {
        for (const p of pilots) {
          p.child.kill('SIGTERM');
          p.child.kill('SIGINT');
        }
      });
      stopping = true;
      out.note(
        `p3s: ${signal}, stopping ${pilots.length} pilot${pilots.length === 1 ? '' : 's'} and the server`,
      );
      await stopChildren(out, pilots);
      await server.close();
      exitSoon();
    });
}

/** Refuses (exit 2, saying what to change) a payload user that could reach the pilots' secrets. */
async function checkPayloadUser(
  payloadUser: string,
  dirs: { workDir: string; joblogDir: string; tokenFile: string },
): Promise<void> {
  const { PayloadUserError, preparePayloadUser } = await import('../../pilot/main.ts');
  try {
    preparePayloadUser({ payloadUser, ...dirs });
  } catch (error) {
    if (error instanceof PayloadUserError) throw new CliError(error.message, { exitCode: 2 });
    throw error;
  }
}

function readAdminToken(file: string): string {
  const token = readTokenFile(file);
  if (token === undefined) throw new CliError(`cannot read the admin token ${file}`);
  return token;
}

async function stopChildren(out: Output, pilots: LocalPilot[]): Promise<void> {
  const running = pilots.filter((p) => p.child.exitCode === null && p.child.signalCode === null);
  const exits = running.map((p) => once(p.child, 'exit'));
  for (const p of running) p.child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), PILOT_STOP_MS);
  });
  if ((await Promise.race([Promise.all(exits), timeout])) === 'timeout') {
    for (const p of running) {
      if (p.child.exitCode === null && p.child.signalCode === null) {
        out.note(`p3s: pilot ${p.uuid.slice(0, 8)} did not stop in time, killing it; log: ${p.logFile}`);
        p.child.kill('SIGKILL');
      }
    }
  }
  clearTimeout(timer);
}

interface Welcome {
  url: string;
  dataDir: string;
  database: string;
  pilots: number;
  /** The file of the pilots' own token. */
  pilotsToken: string;
  /** Who payloads run as. */
  payloadUser: string;
  access: string[];
  /** What clients must trust (HTTPS only). */
  caFile: string | undefined;
}

function printWelcome(out: Output, w: Welcome): void {
  const { url, dataDir, pilots } = w;
  // Clients find this server (and its admin token) by themselves only where they look by default.
  const ownDir = resolveDataDir(undefined) === dataDir;
  const found = ownDir && resolveServerUrl(undefined, dataDir).url === url;
  const trust = w.caFile === undefined || process.env.P3S_CA_FILE ? '' : ` --ca-file ${w.caFile}`;
  const flag = (found ? '' : ownDir ? ` --server ${url}` : ` --data-dir ${dataDir}`) + trust;
  out.line(`p3s is up: server and ${pilots} pilot${pilots === 1 ? '' : 's'}`);
  out.line(`  server    ${url}`);
  out.line(`  monitor   ${url}/   (open it in a browser)`);
  out.line(`  data dir  ${dataDir}`);
  out.line(`  database  ${w.database}`);
  out.line(`  pilots    logs in ${join(dataDir, DEFAULTS.pilotLogDir)}`);
  out.line(`            token "${localPilotsTokenName()}" (role pilot) in ${w.pilotsToken}`);
  out.line(`            payloads run as ${w.payloadUser}`);
  for (const line of w.access) out.line(line);
  out.line('');
  out.line('submit a job:');
  out.line(
    `  echo '[{"name":"hello","payload":"/bin/echo hello"}]' > hello.json && p3s job submit hello.json --wait${flag}`,
  );
  out.line(`watch:  p3s job list${flag}   p3s summary${flag}   p3s pilots list${flag}`);
  out.line('stop:   Ctrl-C');
}
