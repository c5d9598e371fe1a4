// Builds the real server application on a fresh SQLite file for inject() tests.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type App, type AppConfig, buildApp } from '../../src/server/app.ts';
import { openStore } from '../../src/store/open-store.ts';
import type { Store } from '../../src/store/store.ts';

export const TEST_APP_CONFIG: AppConfig = {
  leaseSeconds: 30,
  maxClaimWaitSeconds: 5,
  logHeadBytes: 1024,
  logTailBytes: 1024,
  bodyLimit: 1024 * 1024,
  version: 'test',
};

export interface TestApp {
  app: App;
  store: Store;
  /** Moves the injected clock forward. */
  advance(ms: number): void;
  close(): Promise<void>;
}

export async function makeTestApp(config: Partial<AppConfig> = {}, store?: Store): Promise<TestApp> {
  const dir = mkdtempSync(join(tmpdir(), 'p3s-app-'));
  const theStore = store ?? (await openStore({ sqlitePath: join(dir, 'p3s.db') }));
  await theStore.migrate();
  let offset = 0;
  const app = await buildApp({
    store: theStore,
    config: { ...TEST_APP_CONFIG, ...config },
    now: () => Date.now() + offset,
  });
  return {
    app,
    store: theStore,
    advance: (ms) => {
      offset += ms;
    },
    close: async () => {
      await app.close();
      await theStore.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** inject() shorthand returning status and parsed JSON. */
export async function call(
  app: App,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  url: string,
  body?: unknown,
  // biome-ignore lint/suspicious/noExplicitAny: API answers in tests are arbitrary JSON
): Promise<{ status: number; json: any }> {
  const response = await app.inject({
    method,
    url,
    ...(body === undefined ? {} : { payload: body as object }),
  });
  return { status: response.statusCode, json: response.body ? JSON.parse(response.body) : undefined };
}

export const registration = (uuid: string, over: Record<string, unknown> = {}) => ({
  uuid,
  host: 'node1',
  site: null,
  pid: 4242,
  batchId: null,
  jobTypes: [],
  version: 'test',
  lifetime: 0,
  ...over,
});
