// `p3s pilots start|list|stop`: background pilots on this host (P3S pgen.sh, preport.sh,
// pkill.sh) and the server's view of all pilots. Only processes proven to be ours are signalled.

import { randomUUID } from 'node:crypto';
import { type Command, Option } from '@commander-js/extra-typings';
import { ApiError, NetworkError, P3sClient } from '../../protocol/client.ts';
import type { PilotWire } from '../../protocol/schemas/pilots.ts';
import { intArg, secondsArg } from '../args.ts';
import { CliError, Exit } from '../errors.ts';
import { sameUserWarning } from '../local-pilot-token.ts';
import {
  type PilotRecord,
  pilotArgv,
  pilotEnv,
  pilotLogFile,
  pilotProcessState,
  readRecords,
  removeRecord,
  spawnP3s,
  writeRecord,
} from '../local-pilots.ts';
import { formatAgo, truncate } from '../output.ts';
import {
  caFileOption,
  connect,
  dataDirOption,
  jsonOption,
  output,
  serverOption,
  sleep,
  tokenOption,
} from './common.ts';
import {
  checkPayloadUser,
  explicitSettings,
  pilotCredentials,
  pilotOptionsFrom,
  withPilotOptions,
} from './pilot.ts';
import { stopPilots } from './pilots-stop.ts';
import { topUpPlan } from './pilots-top-up.ts';

export function addPilotsCommands(program: Command): void {
  const pilots = program.command('pilots').description('start, list and stop pilots');

  withPilotOptions(pilots.command('start').description('start pilots in the background on this host'), 0)
    .addOption(
      new Option(
        '-n, --number <n>',
        "how many pilots to start (default: 1; with a site: up to the site's pilot target on this host)",
      ).argParser(intArg(1, 1000)),
    )
    .addOption(jsonOption())
    .action(async (opts, cmd) => {
      const out = output(opts);
      const setup = pilotOptionsFrom(opts);
      const { dataDir } = setup;
      const base = {
        ...(await pilotCredentials(setup, out)),
        explicit: explicitSettings(cmd, opts.explicit),
      };
      await checkPayloadUser(base, setup.tokenSource);
      // The pilots got the data dir's local pilots token: this user holds the admin token too.
      if (base.payloadUser === undefined && setup.tokenSource === 'admin.token' && base.tokenFile)
        out.note(sameUserWarning('p3s pilots start', dataDir, base.tokenFile));
      const client = new P3sClient({
        server: base.server,
        token: base.token,
        caFile: base.caFile,
        timeoutMs: 5000,
      });
      const env = pilotEnv(process.env, base);
      let number = opts.number ?? 1;
      if (opts.number === undefined && base.site !== null) {
        const plan = await topUpPlan(client, dataDir, base.site);
        out.note(plan.note);
        number = plan.start;
        if (number === 0) {
          if (out.json) out.data({ pilots: [], failed: [] });
          return;
        }
      } else {
        try {
          await client.health();
        } catch (error) {
          // A server whose database is away answers 503: its pilots wait for it like for a server that is down.
          const down = error instanceof NetworkError || (error instanceof ApiError && error.status === 503);
          if (!down) throw error;
          out.note(`warning: ${error.message}; the pilots will keep trying for up to ${base.maxOutage}s`);
        }
      }
      const started: PilotRecord[] = [];
      for (let i = 0; i < number; i++) {
        const uuid = randomUUID();
        const logFile = pilotLogFile(dataDir, uuid);
        const child = spawnP3s(pilotArgv({ ...base, uuid }), logFile, true, env);
        child.on('error', () => {});
        if (child.pid === undefined) throw new CliError(`could not start a pilot process (see ${logFile})`);
        child.unref();
        const record = {
          uuid,
          pid: child.pid,
          startedAt: Date.now(),
          server: base.server,
          logFile,
          site: base.site,
        };
        writeRecord(dataDir, record);
        started.push(record);
      }
      // A pilot that dies at once (bad flag, unwritable dir) should be reported now, not found later.
      await sleep(500);
      const dead = started.filter((r) => pilotProcessState(r.pid, r.uuid) !== 'alive');
      for (const r of dead) removeRecord(dataDir, r.uuid);
      const alive = started.filter((r) => !dead.includes(r));
      if (out.json) out.data({ pilots: alive, failed: dead });
      else {
        if (alive.length > 0) {
          out.line(`started ${alive.length} pilot${alive.length === 1 ? '' : 's'} for ${base.server}`);
          out.table(
            ['UUID', 'PID', 'LOG'],
            alive.map((r) => [r.uuid, r.pid, r.logFile]),
          );
        }
        for (const r of dead) out.note(`p3s: pilot ${r.uuid} exited at once; see ${r.logFile}`);
      }
      if (dead.length > 0) throw new Exit(1);
    });

  pilots
    .command('list')
    .alias('ls')
    .description("list the server's pilots (idle, running, lost; --all adds stopped ones)")
    .addOption(new Option('--all', 'include stopped pilots'))
    .addOption(new Option('--limit <n>', 'show at most n pilots').argParser(intArg(1, 1000)).default(200))
    .addOption(serverOption())
    .addOption(tokenOption())
    .addOption(caFileOption())
    .addOption(dataDirOption())
    .addOption(jsonOption())
    .action(async (opts) => {
      const out = output(opts);
      const { client, dataDir } = connect(opts);
      const page = await client.listPilots({
        state: opts.all ? undefined : 'idle,running,lost',
        limit: opts.limit,
      });
      const records = new Map(readRecords(dataDir).map((r) => [r.uuid, r]));
      const local = (p: PilotWire) => {
        const r = records.get(p.uuid);
        return r
          ? { pid: r.pid, alive: pilotProcessState(r.pid, r.uuid) === 'alive', logFile: r.logFile }
          : null;
      };
      const known = new Set(page.pilots.map((p) => p.uuid));
      const unknown = [...records.values()]
        .filter((r) => !known.has(r.uuid))
        .map((r) => ({ ...r, alive: pilotProcessState(r.pid, r.uuid) === 'alive' }));
      if (out.json) {
        out.data({
          ...page,
          pilots: page.pilots.map((p) => ({ ...p, local: local(p) })),
          localNotListed: unknown,
        });
        return;
      }
      const now = Date.now();
      if (page.pilots.length === 0)
        out.line(opts.all ? 'no pilots' : 'no live pilots (--all shows stopped ones)');
      else {
        const rows = page.pilots.map((p) => {
          const l = local(p);
          return [
            p.id,
            p.uuid.slice(0, 8),
            truncate(p.host, 24),
            p.site ?? '',
            p.pid,
            out.pilotState(p.state) +
              (p.stopRequested && p.state !== 'stopped' ? out.dim(' (stopping)') : '') +
              (p.hold !== null && p.state !== 'stopped' ? out.dim(' (held)') : ''),
            p.currentJobId ?? '',
            p.jobsRun,
            formatAgo(p.lastSeenAt, now),
            l === null ? '' : l.alive ? 'yes' : 'exited',
          ];
        });
        const head = ['ID', 'UUID', 'HOST', 'SITE', 'PID', 'STATE', 'JOB', 'RUN', 'LAST SEEN', 'HERE'];
        out.table(head, rows, { alignRight: [0, 4, 6, 7] });
        if (page.total > page.pilots.length)
          out.line(out.dim(`${page.pilots.length} of ${page.total} (--limit for more)`));
        // Why a pilot takes no jobs, in its own words (its disk is full).
        for (const p of page.pilots)
          if (p.hold !== null && p.state !== 'stopped') out.note(`pilot ${p.id} takes no jobs: ${p.hold}`);
      }
      for (const r of unknown) {
        const what = r.alive
          ? 'is running but not registered with this server'
          : 'has exited (p3s pilots stop --local removes its record)';
        out.note(`local pilot ${r.uuid} (pid ${r.pid}) ${what}; log: ${r.logFile}`);
      }
    });

  pilots
    .command('stop')
    .description('stop pilots: SIGTERM for those started here, a stop request through the server for others')
    .argument('[ids...]', 'pilot ids or uuids (a unique uuid prefix is enough for local pilots)')
    .addOption(new Option('--all', 'every live pilot the server knows, and every local one'))
    .addOption(new Option('--local', 'every pilot started here with p3s pilots start'))
    .addOption(new Option('--site <name>', 'every live pilot of this site'))
    .addOption(new Option('--host <name>', 'every live pilot on this host'))
    .addOption(
      new Option(
        '--wait <s>',
        'seconds to wait for each pilot to end (default: 30 for local, 0 for others)',
      ).argParser(secondsArg(0)),
    )
    .addOption(serverOption())
    .addOption(tokenOption())
    .addOption(caFileOption())
    .addOption(dataDirOption())
    .addOption(jsonOption())
    .action(async (ids, opts) => {
      const out = output(opts);
      if (ids.length === 0 && !opts.all && !opts.local && !opts.site && !opts.host) {
        throw new CliError('say which pilots: ID…, --all, --local, --site or --host', { exitCode: 2 });
      }
      const conn = connect(opts);
      const failed = await stopPilots(conn, out, { ids, ...opts });
      if (failed > 0) throw new Exit(1);
    });
}
