// Composition root of a pilot process (`p3s pilot`): builds the client, logger and stop signals,
// installs SIGTERM/SIGINT handling for the duration of the run, and returns the exit code.

import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { pino } from 'pino';
import { P3S_VERSION } from '../core/version.ts';
import { P3sClient } from '../protocol/client.ts';
import { Agent, EXIT } from './agent.ts';
import type { PilotOptions } from './options.ts';
import { PayloadUserError, preparePayloadUser } from './payload-user.ts';
import { resolveSite } from './site-settings.ts';

export { EXIT } from './agent.ts';
export { LOCAL_EXIT, type LocalRun, type LocalRunOptions, runJobLocally } from './local-run.ts';
export { type PilotOptions, SITE_SETTINGS, type SiteSetting } from './options.ts';
export { PayloadUserError, preparePayloadUser, type RunAs } from './payload-user.ts';

/**
 * Runs one pilot until its cycles or lifetime are used up, the server tells it to stop, or it
 * gets SIGTERM/SIGINT (the payload is killed and reported; a second signal stops retrying
 * reports). Resolves to the process exit code (see EXIT); never calls process.exit itself.
 */
export async function runPilot(options: PilotOptions): Promise<number> {
  const uuid = options.uuid ?? randomUUID();
  // The pilot's own log: JSON lines on stderr, written synchronously so nothing is lost at exit.
  const logger = pino(
    { level: options.logLevel, base: { pilot: uuid } },
    pino.destination({ dest: 2, sync: true }),
  );
  let runAs = options.runAs;
  try {
    const { payloadUser } = options;
    if (payloadUser !== undefined && runAs === undefined)
      runAs = preparePayloadUser({ ...options, payloadUser });
    mkdirSync(options.workDir, { recursive: true });
    mkdirSync(options.joblogDir, { recursive: true });
  } catch (error) {
    if (error instanceof PayloadUserError) logger.fatal(error.message);
    else logger.fatal({ err: error }, 'cannot create the work or job log directory');
    return EXIT.failure;
  }
  const stop = new AbortController();
  const hurry = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (!stop.signal.aborted) {
      logger.warn({ signal }, 'stopping: no more claims, killing any running payload');
      stop.abort(signal);
    } else if (!hurry.signal.aborted) {
      logger.warn({ signal }, 'second signal: no more retries of reports');
      hurry.abort(signal);
    }
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    const client = new P3sClient({ server: options.server, token: options.token, caFile: options.caFile });
    const resolved = await resolveSite(client, { ...options, runAs }, logger, stop.signal);
    if (typeof resolved === 'number') return resolved;
    const agent = new Agent({
      client,
      options: resolved,
      uuid,
      logger,
      host: hostname(),
      pid: process.pid,
      version: P3S_VERSION,
      stop: stop.signal,
      hurry: hurry.signal,
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
      },
      'pilot starting',
    );
    return await agent.run();
  } catch (error) {
    logger.fatal({ err: error }, 'pilot failed');
    return EXIT.failure;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
}

/** The package version; package.json sits two levels up from both src/pilot and dist/pilot. */
