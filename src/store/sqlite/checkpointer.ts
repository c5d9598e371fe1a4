// Checkpoints a SQLite WAL from a worker thread. SQLite's automatic checkpoint runs inside the
// commit that crosses the threshold, on the event loop, and syncs both files, stalling claims and
// finishes behind it (docs/performance.md). A PASSIVE checkpoint on a
// second connection never blocks the writer, so the server's connection keeps a large automatic
// threshold only as a safety net.

import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** How often the worker checkpoints. */
const EVERY_MS = 200;

// Plain CommonJS for `eval`: the same code whether p3s runs from dist/ or from its sources.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.path);
db.pragma('busy_timeout = 1000');
const timer = setInterval(() => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch {}
}, workerData.everyMs);
parentPort.on('message', () => { clearInterval(timer); db.close(); process.exit(0); });
`;

export interface Checkpointer {
  stop(): Promise<void>;
}

/** A checkpointer for a database file; none for `:memory:`. */
export function checkpointerFor(path: string): Checkpointer | undefined {
  return path === ':memory:' ? undefined : startCheckpointer(path);
}

export function startCheckpointer(path: string): Checkpointer {
  const module = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER, { eval: true, workerData: { module, path, everyMs: EVERY_MS } });
  // A failing checkpointer only loses the optimisation: the automatic checkpoint still runs.
  worker.on('error', () => undefined);
  worker.unref();
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  return {
    async stop() {
      // Referenced again, or the event loop could empty (and a top-level await never settle) before it exits.
      worker.ref();
      worker.postMessage('stop');
      await exited;
    },
  };
}
