// Conformance: sites — define (insert, then replace by name), read, list in name order, delete.

import { describe, expect, it } from 'vitest';
import type { SiteSpec } from '../../src/core/index.ts';
import { type ConformanceContext, T0 } from './conformance-fixtures.ts';

function site(overrides: Partial<SiteSpec> = {}): SiteSpec {
  return {
    name: 'lxvm',
    server: 'p3s-web:80',
    pilots: 120,
    pilotcycles: 0,
    pilotperiod: 40,
    pilotbeat: 100,
    pilotlife: null,
    queuelimit: null,
    env: { P3S_SITE: 'lxvm', P3S_DIRPATH: '/eos/p3s' },
    provisioning: null,
    ...overrides,
  };
}

export function describeSites(ctx: ConformanceContext): void {
  describe('sites', () => {
    it('defines a site and reads it back as given, unset fields null', async () => {
      const store = await ctx.fresh();
      const { site: defined, created } = await store.sites.defineSite(site(), T0);
      expect(created).toBe(true);
      expect(defined).toEqual({ ...site(), createdAt: T0, updatedAt: T0, drained: null, feedResetAt: null });
      expect(await store.sites.getSite('lxvm')).toEqual(defined);
      expect(await store.sites.getSite('nope')).toBeUndefined();
    });

    it('replaces a site of the same name, keeping when it was first defined', async () => {
      const store = await ctx.fresh();
      await store.sites.defineSite(site(), T0);
      const again = await store.sites.defineSite(
        site({ pilots: null, pilotbeat: 20, server: null, env: { ONLY: 'this' } }),
        T0 + 5,
      );
      expect(again.created).toBe(false);
      expect(again.site).toMatchObject({
        pilots: null,
        pilotbeat: 20,
        server: null,
        env: { ONLY: 'this' },
        createdAt: T0,
        updatedAt: T0 + 5,
      });
      expect(await store.sites.listSites()).toHaveLength(1);
    });

    it('lists sites by name and deletes one, saying whether it existed', async () => {
      const store = await ctx.fresh();
      for (const name of ['neutdqm', 'lxvm', 'cern.b-1']) await store.sites.defineSite(site({ name }), T0);
      expect((await store.sites.listSites()).map((s) => s.name)).toEqual(['cern.b-1', 'lxvm', 'neutdqm']);
      expect(await store.sites.deleteSite('lxvm')).toBe(true);
      expect(await store.sites.deleteSite('lxvm')).toBe(false);
      expect((await store.sites.listSites()).map((s) => s.name)).toEqual(['cern.b-1', 'neutdqm']);
    });

    it('keeps env values exactly, quotes and unicode included', async () => {
      const store = await ctx.fresh();
      const env = { Q: `it's "quoted"`, U: 'π ≈ 3.14 ✓', E: '' };
      await store.sites.defineSite(site({ env }), T0);
      expect((await store.sites.getSite('lxvm'))?.env).toEqual(env);
    });

    it('survives a reopen', async () => {
      const store = await ctx.fresh();
      const { site: defined } = await store.sites.defineSite(site(), T0);
      await store.close();
      expect(await (await ctx.reopen()).sites.getSite('lxvm')).toEqual(defined);
    });
  });
}
