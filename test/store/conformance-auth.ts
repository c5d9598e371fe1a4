// Conformance: tokens (create, find by hash, list active or all, revoke once, one role per name)
// and the audit trail (record, filter, page, newest first).

import { describe, expect, it } from 'vitest';
import { AlreadyExistsError, NotFoundError } from '../../src/core/index.ts';
import type { NewToken } from '../../src/store/index.ts';
import { type ConformanceContext, T0 } from './conformance-fixtures.ts';

function token(overrides: Partial<NewToken> = {}): NewToken {
  return {
    name: 'alice',
    role: 'user',
    site: null,
    prefix: 'p3s_abcdef',
    hash: `hash-${Math.random()}`,
    createdBy: 'root',
    expiresAt: null,
    ...overrides,
  };
}

export function describeAuth(ctx: ConformanceContext): void {
  describe('tokens', () => {
    it('stores a token and finds it by its hash, never exposing the hash', async () => {
      const store = await ctx.fresh();
      const created = await store.auth.createToken(
        token({ hash: 'h1', role: 'pilot', name: 'cern-pilots', site: 'cern', expiresAt: T0 + 60_000 }),
        T0,
      );
      expect(created).toEqual({
        id: expect.any(Number),
        name: 'cern-pilots',
        role: 'pilot',
        site: 'cern',
        prefix: 'p3s_abcdef',
        createdAt: T0,
        createdBy: 'root',
        expiresAt: T0 + 60_000,
        revokedAt: null,
        revokedBy: null,
        lastUsedAt: null,
      });
      expect(await store.auth.findTokenByHash('h1')).toEqual(created);
      expect(await store.auth.findTokenByHash('h2')).toBeUndefined();
      expect(await store.auth.getToken(created.id)).toEqual(created);
      expect(JSON.stringify(created)).not.toContain('h1');
    });

    it('refuses a second token with the same hash', async () => {
      const store = await ctx.fresh();
      await store.auth.createToken(token({ hash: 'same' }), T0);
      await expect(store.auth.createToken(token({ hash: 'same', name: 'bob' }), T0)).rejects.toThrow();
      expect(await store.auth.listTokens({ all: true }, T0)).toHaveLength(1);
    });

    it('keeps one role per name: more tokens of the same role are fine, another role is refused', async () => {
      const store = await ctx.fresh();
      await store.auth.createToken(token(), T0);
      await store.auth.createToken(token(), T0);
      await expect(store.auth.createToken(token({ role: 'admin' }), T0)).rejects.toBeInstanceOf(
        AlreadyExistsError,
      );
      expect(await store.auth.listTokens({ name: 'alice' }, T0)).toHaveLength(2);
    });

    it('lists active tokens by default and every token with all', async () => {
      const store = await ctx.fresh();
      const live = await store.auth.createToken(token({ name: 'live' }), T0);
      const expired = await store.auth.createToken(token({ name: 'old', expiresAt: T0 + 10 }), T0);
      const revoked = await store.auth.createToken(token({ name: 'gone' }), T0);
      await store.auth.revokeToken(revoked.id, 'root', T0 + 5);
      const now = T0 + 20;
      expect((await store.auth.listTokens({}, now)).map((t) => t.id)).toEqual([live.id]);
      expect((await store.auth.listTokens({ all: true }, now)).map((t) => t.id)).toEqual([
        live.id,
        expired.id,
        revoked.id,
      ]);
      // Not yet expired at T0 + 5.
      expect((await store.auth.listTokens({}, T0 + 5)).map((t) => t.id)).toEqual([live.id, expired.id]);
    });

    it('revokes once: a second revocation keeps the first time and revoker', async () => {
      const store = await ctx.fresh();
      const t = await store.auth.createToken(token(), T0);
      const first = await store.auth.revokeToken(t.id, 'root', T0 + 1);
      expect(first).toMatchObject({ revokedAt: T0 + 1, revokedBy: 'root' });
      const second = await store.auth.revokeToken(t.id, 'bob', T0 + 2);
      expect(second).toMatchObject({ revokedAt: T0 + 1, revokedBy: 'root' });
      await expect(store.auth.revokeToken(99_999, 'root', T0)).rejects.toBeInstanceOf(NotFoundError);
    });

    it('records when a token was last used', async () => {
      const store = await ctx.fresh();
      const t = await store.auth.createToken(token({ hash: 'used' }), T0);
      await store.auth.touchToken(t.id, T0 + 42);
      expect((await store.auth.findTokenByHash('used'))?.lastUsedAt).toBe(T0 + 42);
    });
  });

  describe('audit trail', () => {
    it('records events and lists them newest first, filtered and paged', async () => {
      const store = await ctx.fresh();
      const base = {
        role: 'user',
        objectType: 'job',
        outcome: 'ok' as const,
        detail: null,
      };
      await store.auth.recordAudit({ ...base, at: T0, actor: 'alice', action: 'job.submit', objectId: '1' });
      await store.auth.recordAudit({ ...base, at: T0 + 1, actor: 'bob', action: 'job.kill', objectId: '1' });
      await store.auth.recordAudit({
        ...base,
        at: T0 + 2,
        actor: 'alice',
        action: 'job.kill',
        objectId: '2',
        outcome: 'denied',
        detail: 'é ünïcode "quoted"',
      });
      const all = await store.auth.listAudit({}, 10, 0);
      expect(all.total).toBe(3);
      expect(all.events.map((e) => e.at)).toEqual([T0 + 2, T0 + 1, T0]);
      expect(all.events[0]).toEqual({
        id: expect.any(Number),
        at: T0 + 2,
        actor: 'alice',
        role: 'user',
        action: 'job.kill',
        objectType: 'job',
        objectId: '2',
        outcome: 'denied',
        detail: 'é ünïcode "quoted"',
      });
      expect((await store.auth.listAudit({ actor: 'alice' }, 10, 0)).total).toBe(2);
      expect((await store.auth.listAudit({ action: 'job.kill', outcome: 'ok' }, 10, 0)).total).toBe(1);
      expect((await store.auth.listAudit({ objectType: 'job', objectId: '1' }, 10, 0)).total).toBe(2);
      expect((await store.auth.listAudit({ since: T0 + 1, until: T0 + 2 }, 10, 0)).events).toHaveLength(1);
      const page = await store.auth.listAudit({}, 1, 1);
      expect(page).toMatchObject({ total: 3, events: [{ at: T0 + 1 }] });
    });
  });
}
