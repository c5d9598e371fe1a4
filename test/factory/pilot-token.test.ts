// The factory's pilot tokens against the real server: created bound to the site in a 0600 file,
// reused while valid, replaced when revoked and when half their lifetime is gone.

import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensurePilotToken, tokenLifetimeSeconds } from '../../src/factory/pilot-token.ts';
import { P3sClient } from '../../src/protocol/client.ts';
import { type RealServer, startRealServer } from '../helpers/real-server.ts';

let server: RealServer;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'p3s-token-'));
  server = await startRealServer({ sqlitePath: join(dir, 'p3s.db') });
});
afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

const ensure = (now = Date.now()) =>
  ensurePilotToken(server.client, { dir: join(dir, 'tokens'), site: 'hpc', pilotLifetime: 3600, now });
const secretIn = (file: string) => readFileSync(file, 'utf8').trim();
const whoIs = (secret: string) => new P3sClient({ server: server.url, token: secret }).whoami();

describe('ensurePilotToken', () => {
  it('creates a pilot token bound to the site, in a file only its owner reads', async () => {
    const token = await ensure();
    expect(statSync(token.file).mode & 0o777).toBe(0o600);
    expect(await whoIs(secretIn(token.file))).toMatchObject({
      name: 'factory-hpc',
      role: 'pilot',
      site: 'hpc',
    });
    expect(token.expiresAt).toBeGreaterThan(Date.now() + (tokenLifetimeSeconds(3600) - 60) * 1000);
  });

  it('reuses the token while it is valid', async () => {
    const before = secretIn((await ensure()).file);
    expect(secretIn((await ensure()).file)).toBe(before);
  });

  it('replaces a revoked token at once', async () => {
    const { file } = await ensure();
    const old = secretIn(file);
    const { tokenId } = await whoIs(old);
    await server.client.revokeToken(tokenId);
    const fresh = secretIn((await ensure()).file);
    expect(fresh).not.toBe(old);
    expect((await whoIs(fresh)).name).toBe('factory-hpc');
  });

  it('replaces it once half its lifetime is gone', async () => {
    const { file } = await ensure();
    const old = secretIn(file);
    const halfLater = Date.now() + (tokenLifetimeSeconds(3600) * 1000) / 2 + 1000;
    expect(secretIn((await ensure(halfLater)).file)).not.toBe(old);
  });
});
