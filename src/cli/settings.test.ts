import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CliError } from './errors.ts';
import {
  describeDatabase,
  normalizeServerUrl,
  resolveCaFile,
  resolveDatabaseUrl,
  resolveDataDir,
  resolvePort,
  resolveServerUrl,
  resolveToken,
} from './settings.ts';

const dirs: string[] = [];
function dataDir(serverInfo?: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'p3s-settings-'));
  dirs.push(dir);
  if (serverInfo !== undefined) writeFileSync(join(dir, 'server.json'), JSON.stringify(serverInfo));
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('resolveDataDir', () => {
  it('prefers --data-dir, then P3S_HOME, then ~/.p3s', () => {
    expect(resolveDataDir('/flag', { P3S_HOME: '/env' }, '/home/u')).toBe('/flag');
    expect(resolveDataDir(undefined, { P3S_HOME: '/env' }, '/home/u')).toBe('/env');
    expect(resolveDataDir(undefined, {}, '/home/u')).toBe('/home/u/.p3s');
    expect(resolveDataDir(undefined, { P3S_HOME: ' ' }, '/home/u')).toBe('/home/u/.p3s');
  });

  it('expands ~/ and makes relative paths absolute', () => {
    expect(resolveDataDir('~/data', {}, '/home/u')).toBe('/home/u/data');
    expect(resolveDataDir('rel', {}, '/home/u')).toBe(join(process.cwd(), 'rel'));
  });
});

describe('resolveServerUrl', () => {
  it('prefers --server over P3S_SERVER over server.json over the default', () => {
    const dir = dataDir({ url: 'http://127.0.0.1:9001', pid: process.pid });
    const env = { P3S_SERVER: 'http://env:1/' };
    expect(resolveServerUrl('http://flag:2', dir, env)).toEqual({ url: 'http://flag:2', source: 'flag' });
    expect(resolveServerUrl(undefined, dir, env)).toEqual({ url: 'http://env:1', source: 'P3S_SERVER' });
    expect(resolveServerUrl(undefined, dir, {})).toEqual({
      url: 'http://127.0.0.1:9001',
      source: 'server.json',
    });
    expect(resolveServerUrl(undefined, dataDir(), {})).toEqual({
      url: 'http://127.0.0.1:7878',
      source: 'default',
    });
  });

  it('ignores a server.json left behind by a server that is gone', () => {
    const dir = dataDir({ url: 'http://127.0.0.1:9001', pid: 2 ** 22 + 12345 });
    expect(resolveServerUrl(undefined, dir, {}).source).toBe('default');
    expect(resolveServerUrl(undefined, dataDir('not json'), {}).source).toBe('default');
  });

  it('uses P3S_PORT for the default URL', () => {
    expect(resolveServerUrl(undefined, dataDir(), { P3S_PORT: '9999' }).url).toBe('http://127.0.0.1:9999');
  });

  it('strips the trailing slash P3S required and adds http:// to host:port', () => {
    expect(normalizeServerUrl('http://p3s-web:80/')).toBe('http://p3s-web:80');
    expect(normalizeServerUrl('p3s-web:80')).toBe('http://p3s-web:80');
    expect(normalizeServerUrl('https://x.org/p3s//')).toBe('https://x.org/p3s');
    expect(() => normalizeServerUrl('ftp://x')).toThrow(CliError);
    expect(() => normalizeServerUrl('http://')).toThrow(CliError);
  });
});

describe('resolvePort, resolveDatabaseUrl', () => {
  it('prefers --port over P3S_PORT over 7878 and rejects junk', () => {
    expect(resolvePort('8000', { P3S_PORT: '9000' })).toBe(8000);
    expect(resolvePort(undefined, { P3S_PORT: '9000' })).toBe(9000);
    expect(resolvePort(undefined, {})).toBe(7878);
    expect(resolvePort('0', {})).toBe(0);
    expect(() => resolvePort('http', {})).toThrow(/--port/);
    expect(() => resolvePort(undefined, { P3S_PORT: '70000' })).toThrow(/P3S_PORT/);
  });

  it('prefers --database-url over P3S_DATABASE_URL; none means SQLite', () => {
    expect(resolveDatabaseUrl('postgres://a/b', { P3S_DATABASE_URL: 'postgres://c/d' })).toBe(
      'postgres://a/b',
    );
    expect(resolveDatabaseUrl(undefined, { P3S_DATABASE_URL: 'postgres://c/d' })).toBe('postgres://c/d');
    expect(resolveDatabaseUrl(undefined, {})).toBeUndefined();
  });

  it('never prints a database password', () => {
    expect(describeDatabase('postgres://me:secret@db/p3s', '/d')).toBe(
      'postgres://me:***@db/p3s (PostgreSQL)',
    );
    expect(describeDatabase(undefined, '/d')).toBe('/d/p3s.db (SQLite)');
  });
});

describe('resolveToken', () => {
  it('prefers --token, then P3S_TOKEN, then the file P3S_TOKEN_FILE names', () => {
    const dir = dataDir();
    const file = join(dir, 'my.token');
    writeFileSync(file, 'p3s_fromfile\n');
    const env = { P3S_TOKEN: 'p3s_env', P3S_TOKEN_FILE: file };
    expect(resolveToken('p3s_flag', dir, 'http://x', env)).toEqual({ token: 'p3s_flag', source: 'flag' });
    expect(resolveToken(undefined, dir, 'http://x', env)).toEqual({ token: 'p3s_env', source: 'P3S_TOKEN' });
    expect(resolveToken(undefined, dir, 'http://x', { P3S_TOKEN_FILE: file })).toEqual({
      token: 'p3s_fromfile',
      source: 'P3S_TOKEN_FILE',
    });
    expect(() => resolveToken(undefined, dir, 'http://x', { P3S_TOKEN_FILE: join(dir, 'nope') })).toThrow(
      /cannot read the token file/,
    );
  });

  it('sends the local admin token only to the server its data dir runs', () => {
    const dir = dataDir({ url: 'http://127.0.0.1:7001', pid: process.pid });
    writeFileSync(join(dir, 'admin.token'), 'p3s_local\n');
    expect(resolveToken(undefined, dir, 'http://127.0.0.1:7001/', {})).toEqual({
      token: 'p3s_local',
      source: 'admin.token',
    });
    expect(resolveToken(undefined, dir, 'http://elsewhere:7001', {})).toEqual({
      token: undefined,
      source: 'none',
    });
  });
});

describe('resolveCaFile', () => {
  it('prefers --ca-file over P3S_CA_FILE, as an absolute path, and checks it can be read', () => {
    const dir = dataDir();
    const ca = join(dir, 'ca.pem');
    writeFileSync(ca, '-----BEGIN CERTIFICATE-----\n');
    expect(resolveCaFile(ca, { P3S_CA_FILE: '/elsewhere.pem' })).toEqual({ caFile: ca, source: 'flag' });
    expect(resolveCaFile(undefined, { P3S_CA_FILE: ca })).toEqual({ caFile: ca, source: 'P3S_CA_FILE' });
    expect(resolveCaFile(undefined, { P3S_CA_FILE: ' ' })).toEqual({ caFile: undefined, source: 'none' });
    expect(() => resolveCaFile(join(dir, 'missing.pem'), {})).toThrow(CliError);
    expect(() => resolveCaFile(undefined, { P3S_CA_FILE: join(dir, 'missing.pem') })).toThrow(
      /cannot read the CA file .*missing\.pem \(P3S_CA_FILE\)/,
    );
  });
});
