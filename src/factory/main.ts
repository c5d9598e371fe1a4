// Composition root of a factory process (`p3s factory`, or beside a server with `p3s server
// --factory`): builds the client, logger and adapters, and runs the loop until stopped.

import { mkdirSync } from 'node:fs';
import { type Logger, pino } from 'pino';
import { DEFAULTS } from '../core/defaults.ts';
import { P3sClient } from '../protocol/client.ts';
import { makeAdapters } from './batch/index.ts';
import { Factory } from './factory.ts';
import type { FactoryOptions } from './options.ts';
import { shellQuote } from './pilot-launch.ts';

export { FACTORY_DEFAULTS, type FactoryOptions } from './options.ts';

/** The shell text that runs this p3s (node and its bin/p3s.js), for pilots on nodes that share its installation. */
export function pilotCommandFor(nodePath: string, binPath: string): string {
  return `${shellQuote(nodePath)} ${shellQuote(binPath)}`;
}

export interface RunningFactory {
  /** Stops after the current cycle. */
  stop(): Promise<void>;
}

/** Starts the loop in this process; the caller stops it. */
export function startFactory(
  options: FactoryOptions,
  logger: Logger = factoryLogger(options),
): RunningFactory {
  const factory = makeFactory(options, logger);
  const stop = new AbortController();
  logger.info(
    { server: options.server, dir: options.dir, every: options.intervalSeconds },
    'factory starting',
  );
  const running = factory.run(stop.signal);
  return {
    stop: async () => {
      stop.abort();
      await running;
      logger.info('factory stopped');
    },
  };
}

/**
 * Runs the factory in the foreground until SIGTERM/SIGINT (or one cycle with `once`); resolves to
 * the exit code: 0, or 1 when `once` and a site's cycle failed.
 */
export async function runFactory(options: FactoryOptions): Promise<number> {
  const logger = factoryLogger(options);
  if (options.once) {
    const result = await makeFactory(options, logger).cycle();
    return result.errors.length > 0 ? 1 : 0;
  }
  const running = startFactory(options, logger);
  await new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      logger.info({ signal }, 'stopping after this cycle');
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      resolve();
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
  await running.stop();
  return 0;
}

function makeFactory(options: FactoryOptions, logger: Logger): Factory {
  mkdirSync(options.dir, { recursive: true, mode: DEFAULTS.dataDirMode });
  const client = new P3sClient({ server: options.server, token: options.token, caFile: options.caFile });
  return new Factory({ client, adapters: makeAdapters(options.dir), options, logger });
}

/** JSON lines on stderr, as pilots log. */
function factoryLogger(options: FactoryOptions): Logger {
  return pino(
    { level: options.logLevel, base: { proc: 'factory' } },
    pino.destination({ dest: 2, sync: true }),
  );
}
