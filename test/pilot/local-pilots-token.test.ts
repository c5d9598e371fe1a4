// The local pilots' token (src/cli/local-pilot-token.ts) against the real server: created once per
// data dir with the admin token, kept 0600, reused while it is a live pilot token, replaced (and
// said so) once revoked or when the file holds something else, and made once by starts that
// race each other. (It talks to the server over HTTP, hence test/.)

import { mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureLocalPilotsToken, type LocalPilotsTokenSetup } from '../../src/cli/local-pilot-token.ts';
import { type RealServer, startRealServer } from '../helpers/real-server.ts';

const NAME = `local-pilots@${hostname()}`;
let root: string;
let server: RealServer;
let notes: string[];

beforeEach(async () => {
  root = mkdtempSync(join(tmpdir(), 'p3s-local-token-'));
  server = await startRealServer({ sqlitePath: join(root, 'p3s.db') });
  notes = [];
});
afterEach(async () => {
  await server.close();
  rmSync(root, { recursive: true, force: true });
});

const setup = (): LocalPilotsTokenSetup => ({
  dataDir: root,
  server: server.url,
  adminToken: server.adminToken,
  note: (line) => notes.push(line),
});
const localTokens = async () => (await server.client.listTokens({ name: NAME, all: true })).tokens;

describe('the local pilots token', () => {
  it('is a pilot token made once, kept 0600, and reused while it works', async () => {
    const first = await ensureLocalPilotsToken(setup());
    expect(first.file).toBe(join(root, 'local-pilots.token'));
    expect(statSync(first.file).mode & 0o777).toBe(0o600);
    expect(await localTokens()).toMatchObject([{ name: NAME, role: 'pilot', site: null, revokedAt: null }]);
    expect(notes).toEqual([
      expect.stringMatching(new RegExp(`^p3s: created pilot token \\d+ "${NAME}" for the local pilots`)),
    ]);
    expect(first.secret).not.toBe(server.adminToken);

    const again = await ensureLocalPilotsToken(setup());
    expect(again.secret).toBe(first.secret);
    expect(await localTokens()).toHaveLength(1);
    expect(notes).toHaveLength(1);
  });

  it('is replaced, saying so, once revoked', async () => {
    const first = await ensureLocalPilotsToken(setup());
    const [token] = await localTokens();
    await server.client.revokeToken(token!.id);
    const second = await ensureLocalPilotsToken(setup());
    expect(second.secret).not.toBe(first.secret);
    expect(notes[1]).toBe(
      `p3s: the local pilots' token in ${first.file} was revoked or has expired: creating a new one`,
    );
    expect((await localTokens()).filter((t) => t.revokedAt === null)).toHaveLength(1);
  });

  it('is replaced when the file holds a token that is not a pilot token', async () => {
    writeFileSync(join(root, 'local-pilots.token'), `${server.adminToken}\n`, { mode: 0o600 });
    const made = await ensureLocalPilotsToken(setup());
    expect(made.secret).not.toBe(server.adminToken);
    expect(notes[0]).toContain('is not a pilot token: creating a new one');
    // The local admin token itself is not revoked: it is what made the new one.
    expect((await server.client.whoami()).role).toBe('admin');
  });

  it('revokes a live token of another role it replaces (pilots were handed it)', async () => {
    const user = await server.client.createToken({ name: 'alice', role: 'user' });
    writeFileSync(join(root, 'local-pilots.token'), `${user.secret}\n`, { mode: 0o600 });
    const made = await ensureLocalPilotsToken(setup());
    expect(made.secret).not.toBe(user.secret);
    expect(notes[1]).toBe(`p3s: revoked token ${user.token.id}, which the local pilots' token file held`);
    const [alice] = (await server.client.listTokens({ name: 'alice', all: true })).tokens;
    expect(alice?.revokedAt).not.toBeNull();
  });

  it('is made once by starts that race each other', async () => {
    const made = await Promise.all(Array.from({ length: 6 }, () => ensureLocalPilotsToken(setup())));
    expect(new Set(made.map((m) => m.secret)).size).toBe(1);
    expect(await localTokens()).toHaveLength(1);
  });

  it('takes over a lock a dead start left behind', async () => {
    const lock = join(root, 'local-pilots.token.lock');
    writeFileSync(lock, '');
    const old = (Date.now() - 120_000) / 1000;
    utimesSync(lock, old, old);
    await ensureLocalPilotsToken(setup());
    expect(await localTokens()).toHaveLength(1);
  });
});
