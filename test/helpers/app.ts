// Builds the real server application on a fresh SQLite file for inject() tests.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Role } from '../../src/core/index.ts';
import { type App, type AppConfig, buildApp } from '../../src/server/app.ts';
import { newSecret } from '../../src/server/auth/secrets.ts';
import { openStore } from '../../src/store/open-store.ts';
import type { Store } from '../../src/store/store.ts';

export const TEST_APP_CONFIG: AppConfig = {
  leaseSeconds: 30,
  maxClaimWaitSeconds: 5,
  logHeadBytes: 1024,
  logTailBytes: 1024,
  bodyLimit: 1024 * 1024,
  version: 'test',
  readPolicy: 'open',
  maxJobsPerSubmission: 10_000,
  maxEnvBytes: 64 * 1024,
  maxClaimsPerToken: 1_000,
};

/** Creates a token straight in the store (as `p3s token create` would) and returns its secret. */
export async function createToken(
  store: Store,
  role: Role,
  name: string,
  options: { site?: string | null; expiresAt?: number | null } = {},
): Promise<string> {
  const { secret, prefix, hash } = newSecret();
  await store.auth.createToken(
    {
      name,
      role,
      site: options.site ?? null,
      prefix,
      hash,
      createdBy: 'test',
      expiresAt: options.expiresAt ?? null,
    },
    Date.now(),
  );
  return secret;
}

/** The token `call()` sends for an app unless told otherwise: its admin's. */
const defaultTokens = new WeakMap<App, string>();

/** Makes `call(app, …)` send this token (admin tokens of makeTestApp apps are the default). */
export function useToken(app: App, token: string): void {
  defaultTokens.set(app, token);
}

export interface TestApp {
  app: App;
  store: Store;
  /** An admin token named `admin`, sent by call() by default. */
  adminToken: string;
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
  const adminToken = await createToken(theStore, 'admin', 'admin');
  useToken(app, adminToken);
  return {
    app,
    store: theStore,
    adminToken,
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
  /** The bearer token to send: default the app's admin token; null sends none. */
  token?: string | null,
  // biome-ignore lint/suspicious/noExplicitAny: API answers in tests are arbitrary JSON
): Promise<{ status: number; json: any }> {
  const bearer = token === undefined ? defaultTokens.get(app) : token;
  const response = await app.inject({
    method,
    url,
    ...(bearer ? { headers: { authorization: `Bearer ${bearer}` } } : {}),
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
