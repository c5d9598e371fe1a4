import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from '@commander-js/extra-typings';
import { afterAll, describe, expect, it } from 'vitest';
import { CliError } from '../errors.ts';
import { LOG_LEVELS } from './pilot.ts';
import { type ServerFlags, serverOptionsFrom, startError, withSecurityOptions } from './server.ts';

const dir = mkdtempSync(join(tmpdir(), 'p3s-server-flags-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const cert = join(dir, 'cert.pem');
const key = join(dir, 'key.pem');
writeFileSync(cert, 'certificate\n');
writeFileSync(key, 'key\n');

/** The ServerOptions `p3s server ARGV` would start with. */
function parse(argv: string[], env: Record<string, string | undefined> = {}) {
  let flags: ServerFlags | undefined;
  const program = new Command().exitOverride();
  program.configureOutput({ writeErr: () => {} });
  withSecurityOptions(program.command('server'))
    .option('--log-level <level>', 'level', LOG_LEVELS[3])
    .action((opts) => {
      flags = opts;
    });
  program.parse(['node', 'p3s', 'server', ...argv]);
  return serverOptionsFrom(flags as ServerFlags, { P3S_HOME: dir, ...env });
}

describe('server access and limit flags', () => {
  it('leave the read policy, TLS and limits to the server when not given', () => {
    const o = parse([]);
    expect(o.readPolicy).toBeUndefined();
    expect(o.tls).toBeUndefined();
    expect(o.insecureHttp).toBeUndefined();
    expect(o.limits).toBeUndefined();
  });

  it('take the read policy from the flag, else P3S_READ_POLICY, and refuse another word', () => {
    expect(parse(['--read-policy', 'token']).readPolicy).toBe('token');
    expect(parse(['--read-policy', 'open'], { P3S_READ_POLICY: 'token' }).readPolicy).toBe('open');
    expect(parse([], { P3S_READ_POLICY: 'token' }).readPolicy).toBe('token');
    expect(() => parse(['--read-policy', 'closed'])).toThrow(/Allowed choices are open, token/);
    expect(() => parse([], { P3S_READ_POLICY: 'closed' })).toThrow(CliError);
  });

  it('need both TLS files or neither, from flags or P3S_TLS_CERT / P3S_TLS_KEY', () => {
    expect(parse(['--tls-cert', cert, '--tls-key', key]).tls).toEqual({ certFile: cert, keyFile: key });
    expect(parse([], { P3S_TLS_CERT: cert, P3S_TLS_KEY: key }).tls).toEqual({ certFile: cert, keyFile: key });
    for (const [argv, env] of [
      [['--tls-cert', cert], {}],
      [['--tls-key', key], {}],
      [[], { P3S_TLS_CERT: cert }],
    ] as const) {
      let error: unknown;
      try {
        parse([...argv], env);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(CliError);
      expect((error as CliError).exitCode).toBe(2);
      expect((error as CliError).message).toMatch(/give both/);
    }
  });

  it('refuse a TLS file that cannot be read, naming it', () => {
    const missing = join(dir, 'missing.pem');
    expect(() => parse(['--tls-cert', missing, '--tls-key', key])).toThrow(
      `cannot read the TLS certificate (--tls-cert) ${missing}`,
    );
  });

  it('map the limit flags, sizes with units, into the server limits', () => {
    const o = parse([
      '--insecure-http',
      '--max-body',
      '4MiB',
      '--max-jobs-per-submission',
      '500',
      '--max-env-bytes',
      '8k',
      '--max-claims-per-token',
      '20',
    ]);
    expect(o.insecureHttp).toBe(true);
    expect(o.limits).toEqual({
      bodyBytes: 4 * 1024 * 1024,
      maxJobsPerSubmission: 500,
      maxEnvBytes: 8192,
      maxClaimsPerToken: 20,
    });
    expect(parse(['--max-env-bytes', '1024']).limits).toEqual({ maxEnvBytes: 1024 });
    expect(() => parse(['--max-jobs-per-submission', '0'])).toThrow(/from 1/);
    expect(() => parse(['--max-body', 'big'])).toThrow(/size in bytes/);
  });
});

describe('startError', () => {
  it('turns a refusal into a CliError and names the TLS files for an OpenSSL complaint', () => {
    const refused = startError(new Error('refusing to listen on 0.0.0.0 without TLS'), {});
    expect(refused).toBeInstanceOf(CliError);
    expect((refused as CliError).message).toBe(
      'cannot start the server: refusing to listen on 0.0.0.0 without TLS',
    );
    const pem = startError(new Error('error:0480006C:PEM routines::no start line'), {
      tls: { certFile: '/c.pem', keyFile: '/k.pem' },
    }) as CliError;
    expect(pem.lines.join('\n')).toContain('--tls-cert /c.pem and --tls-key /k.pem');
  });

  it('keeps a taken port as it is (its own hint says to choose another)', () => {
    const taken = Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE' });
    expect(startError(taken, {})).toBe(taken);
  });
});
