// Composition root of a pilot process (`p3s pilot`): builds the client, logger and stop signals,
// installs SIGTERM/SIGINT handling for the duration of the run, runs one Agent per slot (sharing
// all of these and one Containment), and returns the exit code.

import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { pino } from 'pino';
import { P3S_VERSION } from '../core/version.ts';
import { P3sClient } from '../protocol/client.ts';
import { Agent, EXIT } from './agent.ts';
import { Containment } from './containment.ts';
import { pilotResources } from './node-resources.ts';
import type { PilotOptions } from './options.ts';
import { PayloadUserError, preparePayloadUser } from './payload-user.ts';
import { resolveSite } from './site-settings.ts';
import { SlotClaims } from './slot-claims.ts';
import { slotShare, slotUuid, slotWorkDir, worstExit } from './slots.ts';

export { EXIT } from './agent.ts';
export { LOCAL_EXIT, type LocalRun, type LocalRunOptions, runJobLocally } from './local-run.ts';
export { type PilotOptions, SITE_SETTINGS, type SiteSetting } from './options.ts';
export { PayloadUserError, preparePayloadUser, type RunAs } from './payload-user.ts';

/**
 * After a stop signal, the payload's end and the pilot's deregistration are reported for at most
 * this long past the kill grace; then one try each, and the pilot exits.
 */
export const STOP_REPORT_SECONDS = 10;

/**
 * Runs one pilot until its cycles or lifetime are used up, the server tells it to stop, or it
 * gets SIGTERM/SIGINT (the payload is killed and reported; a second signal, or STOP_REPORT_SECONDS
 * after the kill grace, stops retrying reports). With several slots, each runs so until its own
 * end, and the process ends with the last. Resolves to the process exit code (see EXIT; with
 * slots the worst of theirs, slots.ts); never calls process.exit itself.
 */
export async function runPilot(options: PilotOptions): Promise<number> {
  const uuid = options.uuid ?? randomUUID();
  const slots = options.slots ?? 1;
  const slotUuids = Array.from({ length: slots }, (_, i) => slotUuid(uuid, i + 1, slots));
  const logger = pino({ level: options.logLevel, base: { pilot: uuid } }, logDestination());
  let runAs = options.runAs;
  try {
    const { payloadUser } = options;
    if (payloadUser !== undefined && runAs === undefined)
      runAs = preparePayloadUser({ ...options, payloadUser });
    for (let k = 1; k <= slots; k++) mkdirSync(slotWorkDir(options.workDir, k, slots), { recursive: true });
    mkdirSync(options.joblogDir, { recursive: true });
  } catch (error) {
    if (error instanceof PayloadUserError) logger.fatal(error.message);
    else logger.fatal({ err: error }, 'cannot create the work or job log directory');
    return EXIT.failure;
  }
  const stop = new AbortController();
  const hurry = new AbortController();
  // Every slot's loop and job listen to both: no "possible leak" warning for many slots.
  setMaxListeners(0, stop.signal, hurry.signal);
  let giveUp: NodeJS.Timeout | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (!stop.signal.aborted) {
      logger.warn({ signal }, 'stopping: no more claims, killing any running payload');
      stop.abort(signal);
      // A stopped pilot does not wait out --max-outage for a server that may be gone for good.
      giveUp = setTimeout(
        () => {
          if (hurry.signal.aborted) return;
          logger.warn({ seconds: STOP_REPORT_SECONDS }, 'stopping: no more retries of the last reports');
          hurry.abort('timeout');
        },
        (options.killGrace + STOP_REPORT_SECONDS) * 1000,
      );
    } else if (!hurry.signal.aborted) {
      logger.warn({ signal }, 'second signal: no more retries of reports');
      hurry.abort(signal);
    }
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  // Set up before any payload runs: if this pilot is killed, its guardian kills what they left.
  const containment = Containment.open(uuid, logger, slotUuids);
  try {
    const client = new P3sClient({ server: options.server, token: options.token, caFile: options.caFile });
    const resolved = await resolveSite(client, { ...options, runAs }, logger, stop.signal);
    if (typeof resolved === 'number') return resolved;
    // Each slot offers its share of what the whole pilot offers (its flags, else the node).
    const share = slotShare(pilotResources(resolved), slots);
    const claims = slots === 1 ? client : new SlotClaims(client, slots);
    const agents = slotUuids.map((slotId, i) => {
      const slotLogger = slots === 1 ? logger : logger.child({ slot: i + 1 });
      const agent = new Agent({
        client,
        options:
          slots === 1
            ? resolved
            : {
                ...resolved,
                workDir: slotWorkDir(resolved.workDir, i + 1, slots),
                memoryMiB: share.memory,
                cores: share.cores,
                diskMiB: share.disk,
              },
        uuid: slotId,
        logger: slotLogger,
        host: hostname(),
        pid: process.pid,
        version: P3S_VERSION,
        stop: stop.signal,
        hurry: hurry.signal,
        claims,
        containment,
      });
      // A slot that fails ends alone: the others finish their jobs before the process exits.
      return () =>
        agent.run().catch((error: unknown) => {
          slotLogger.fatal({ err: error }, 'pilot failed');
          return EXIT.failure;
        });
    });
    logger.info(
      {
        server: options.server,
        site: options.site,
        workDir: options.workDir,
        payloadUser: runAs ? `${runAs.name} (uid ${runAs.uid}, gid ${runAs.gid})` : undefined,
        cycles: resolved.cycles,
        period: resolved.period,
        beat: resolved.beat,
        ...(slots > 1 && { slots, slotShare: share }),
      },
      'pilot starting',
    );
    return worstExit(await Promise.all(agents.map((run) => run())));
  } catch (error) {
    logger.fatal({ err: error }, 'pilot failed');
    return EXIT.failure;
  } finally {
    await containment.close();
    clearTimeout(giveUp);
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
}

/** Log lines held while the log cannot be written (a full disk): beyond this, new lines are dropped. */
const LOG_BACKLOG_BYTES = 1024 * 1024;

/**
 * The pilot's own log: JSON lines on stderr, written synchronously so nothing is lost at exit. A
 * pilot never dies of its own logging: when stderr cannot be written (its file's disk is full, its
 * pipe's reader is gone) lines wait, up to LOG_BACKLOG_BYTES, and go out once it can be again.
 */
function logDestination() {
  const destination = pino.destination({ dest: 2, sync: true, maxLength: LOG_BACKLOG_BYTES });
  destination.on('error', () => undefined);
  return destination;
}
