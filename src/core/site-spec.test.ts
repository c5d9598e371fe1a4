import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSiteSpec } from './site-spec.ts';

const SITES = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'p3s', 'sites');

describe('parseSiteSpec on P3S site files', () => {
  it.each(readdirSync(SITES))('accepts %s unchanged', (file) => {
    const result = parseSiteSpec(JSON.parse(readFileSync(join(SITES, file), 'utf8')));
    expect(result.ok).toBe(true);
  });

  it('keeps what lxvm.json says and leaves pilotlife unset', () => {
    const result = parseSiteSpec(JSON.parse(readFileSync(join(SITES, 'lxvm.json'), 'utf8')));
    expect(result).toEqual({
      ok: true,
      site: {
        name: 'lxvm',
        server: 'p3s-web:80',
        pilots: 120,
        pilotcycles: 0,
        pilotperiod: 40,
        pilotbeat: 100,
        pilotlife: null,
        queuelimit: null,
        env: {
          P3S_SITE: 'lxvm',
          P3S_SERVER: 'p3s-web:80',
          P3S_DIRPATH: '/eos/experiment/neutplatform/protodune/np04tier0/p3s',
        },
        provisioning: null,
      },
    });
  });

  it('leaves out fields unset (null) so pilots keep their own defaults', () => {
    const result = parseSiteSpec({ name: 'bare' });
    expect(result).toEqual({
      ok: true,
      site: {
        name: 'bare',
        server: null,
        pilots: null,
        pilotcycles: null,
        pilotperiod: null,
        pilotbeat: null,
        pilotlife: null,
        queuelimit: null,
        env: {},
        provisioning: null,
      },
    });
  });
});

describe('parseSiteSpec values', () => {
  it.each([
    ['numbers as strings', { name: 's', pilots: '3', pilotbeat: '20' }, { pilots: 3, pilotbeat: 20 }],
    ['env as the text P3S stored', { name: 's', env: "{'A': 'b'}" }, { env: { A: 'b' } }],
    ['env as JSON text', { name: 's', env: '{"A":"b"}' }, { env: { A: 'b' } }],
    ['null fields', { name: 's', server: null, pilots: null }, { server: null, pilots: null }],
    ['zero cycles (until stopped)', { name: 's', pilotcycles: 0 }, { pilotcycles: 0 }],
    ['a queue limit in seconds', { name: 's', queuelimit: '3600' }, { queuelimit: 3600 }],
  ])('accepts %s', (_, input, expected) => {
    const result = parseSiteSpec(input);
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    expect(result.site).toMatchObject(expected);
  });

  it.each([
    ['a list', [{ name: 's' }], '/site', 'must be a site object'],
    ['no name', {}, '/site/name', 'is required'],
    ['a name with a space', { name: 'a b' }, '/site/name', 'letters, digits'],
    ['a name with a slash', { name: '../x' }, '/site/name', 'letters, digits'],
    ['an unknown field', { name: 's', nodes: 3 }, '/site/nodes', 'unknown field'],
    ['a word for pilots', { name: 's', pilots: 'many' }, '/site/pilots', 'whole number'],
    ['a negative period', { name: 's', pilotperiod: -1 }, '/site/pilotperiod', 'between 0 and'],
    ['a zero beat', { name: 's', pilotbeat: 0 }, '/site/pilotbeat', 'between 1 and'],
    ['a fractional cycle count', { name: 's', pilotcycles: 1.5 }, '/site/pilotcycles', 'whole number'],
    ['a zero queue limit', { name: 's', queuelimit: 0 }, '/site/queuelimit', 'between 1 and'],
    ['a queue limit over a year', { name: 's', queuelimit: 31_536_001 }, '/site/queuelimit', 'between 1 and'],
    ['a number in env', { name: 's', env: { A: 1 } }, '/site/env/A', 'must be a string'],
    ['env text that is not an object', { name: 's', env: 'lxvm' }, '/site/env', 'must be an object'],
    ['a server that is not text', { name: 's', server: 80 }, '/site/server', 'must be a string'],
  ])('refuses %s, naming the field', (_, input, path, message) => {
    const result = parseSiteSpec(input, '/site');
    if (result.ok) throw new Error('expected a rejection');
    expect(result.issues).toContainEqual({ path, message: expect.stringContaining(message) });
  });

  it('names every problem at once', () => {
    const result = parseSiteSpec({ name: 'a b', pilots: 'x', env: { B: 2 } }, '/site');
    expect(result.ok ? [] : result.issues.map((i) => i.path)).toEqual([
      '/site/name',
      '/site/pilots',
      '/site/env/B',
    ]);
  });
});
