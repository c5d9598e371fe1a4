import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, Option } from '@commander-js/extra-typings';
import { afterAll, describe, expect, it } from 'vitest';
import { explicitSettings, pilotOptionsFrom, withPilotOptions } from './commands/pilot.ts';
import {
  pilotArgv,
  pilotEnv,
  pilotProcessState,
  readRecords,
  removeRecord,
  writeRecord,
} from './local-pilots.ts';

const dir = mkdtempSync(join(tmpdir(), 'p3s-local-pilots-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function parsePilotFlags(argv: string[], env: Record<string, string | undefined>) {
  let flags: Parameters<typeof pilotOptionsFrom>[0] | undefined;
  const program = new Command().exitOverride();
  withPilotOptions(program.command('pilot'), 1)
    .addOption(new Option('--uuid <uuid>'))
    .action((opts) => {
      flags = opts;
    });
  program.parse(['node', 'p3s', ...argv]);
  return pilotOptionsFrom(flags as Parameters<typeof pilotOptionsFrom>[0], env).options;
}

describe('pilot flags', () => {
  it('default to the P3S knobs, the environment and the data dir', () => {
    const o = parsePilotFlags(['pilot'], { P3S_HOME: '/h', P3S_SITE: 'lxvm', P3S_JOBLOG: '/logs' });
    expect(o).toMatchObject({
      cycles: 1,
      period: 5,
      beat: 5,
      site: 'lxvm',
      joblogDir: '/logs',
      workDir: '/h/work',
    });
    expect(o.server).toBe('http://127.0.0.1:7878');
    expect(parsePilotFlags(['pilot'], { P3S_HOME: '/h' })).toMatchObject({
      site: null,
      joblogDir: '/h/joblogs',
    });
  });

  it('survive the trip through the argv of a background pilot', () => {
    const env = { P3S_HOME: '/h' };
    const original = parsePilotFlags(
      [
        'pilot',
        '-c',
        '0',
        '-p',
        '2',
        '-b',
        '0.5',
        '-s',
        'cern',
        '-t',
        'reco,dqm',
        '-e',
        'condor.1',
        '-x',
        '--lifetime',
        '90',
        '--payload-user',
        'pool01',
        '--memory',
        '2048',
        '--cores',
        '2',
        '--disk',
        '4096',
        '--memory-grace',
        '1.2',
        '--looping-after',
        '600',
      ],
      env,
    );
    expect(original).toMatchObject({
      memoryMiB: 2048,
      cores: 2,
      diskMiB: 4096,
      memoryGrace: 1.2,
      loopingAfter: 600,
    });
    const uuid = randomUUID();
    const again = parsePilotFlags(pilotArgv({ ...original, uuid }), env);
    expect(again).toEqual(original);
  });

  it('refuse bad resource values, naming the flag', () => {
    expect(() => parsePilotFlags(['pilot', '--memory', '0'], {})).toThrow(/--memory <MiB>.*from 1/);
    expect(() => parsePilotFlags(['pilot', '--cores', 'two'], {})).toThrow(/--cores <n>.*whole number/);
    expect(() => parsePilotFlags(['pilot', '--memory-grace', '0.5'], {})).toThrow(
      /--memory-grace.*at least 1/,
    );
    expect(() => parsePilotFlags(['pilot', '--looping-after', '-1'], {})).toThrow(
      /--looping-after.*at least 0/,
    );
  });
});

describe('the token and CA file of a background pilot', () => {
  it('travel in its environment, never on its argv', () => {
    const ca = join(dir, 'ca.pem');
    writeFileSync(ca, 'pem\n');
    const env = { P3S_HOME: '/h' };
    const original = parsePilotFlags(
      ['pilot', '--token', 'p3s_secret_value', '--ca-file', ca, '--server', 'https://p3s:7878'],
      env,
    );
    expect(original).toMatchObject({ token: 'p3s_secret_value', caFile: ca });
    const argv = pilotArgv({ ...original, uuid: randomUUID() });
    expect(argv.join(' ')).not.toContain('p3s_secret_value');
    expect(argv.join(' ')).not.toContain(ca);
    const childEnv = pilotEnv(env, original);
    expect(childEnv).toEqual({ P3S_HOME: '/h', P3S_TOKEN: 'p3s_secret_value', P3S_CA_FILE: ca });
    expect(parsePilotFlags(argv, childEnv)).toEqual(original);
  });

  it("travel as the file they came from, so the secret is not in the pilot's environment either", () => {
    const file = join(dir, 'pilot.token');
    writeFileSync(file, 'p3s_secret_in_a_file\n', { mode: 0o600 });
    const env = { P3S_HOME: '/h', P3S_TOKEN_FILE: file };
    const original = parsePilotFlags(['pilot', '--server', 'https://p3s:7878'], env);
    expect(original).toMatchObject({ token: 'p3s_secret_in_a_file', tokenFile: file });
    const childEnv = pilotEnv({ P3S_HOME: '/h', P3S_TOKEN: 'stale' }, original);
    expect(childEnv).toEqual({ P3S_HOME: '/h', P3S_TOKEN_FILE: file });
    expect(parsePilotFlags(pilotArgv({ ...original, uuid: randomUUID() }), childEnv)).toEqual(original);
  });

  it('leave the environment alone when there are none', () => {
    expect(pilotEnv({ A: '1' }, { token: undefined, caFile: undefined })).toEqual({ A: '1' });
  });

  it("never carry the server's database credentials (a pilot started beside the server)", () => {
    const server = {
      P3S_HOME: '/h',
      P3S_DATABASE_URL: 'postgres://p3s:pw@db/p3s',
      DATABASE_URL: 'postgres://p3s:pw@db/p3s',
      PGPASSWORD: 'pw',
      PGPASSFILE: '/h/.pgpass',
      P3S_TLS_KEY: '/h/key.pem',
      P3S_TOKEN: 'p3s_admin',
      PATH: '/usr/bin',
    };
    expect(pilotEnv(server, { tokenFile: '/h/local-pilots.token' })).toEqual({
      P3S_HOME: '/h',
      P3S_TOKEN_FILE: '/h/local-pilots.token',
      PATH: '/usr/bin',
    });
  });
});

/** The settings a pilot started with `argv` treats as explicitly given (the site sets the others). */
function explicitOf(argv: string[]) {
  let result: ReturnType<typeof explicitSettings> | undefined;
  const program = new Command().exitOverride();
  withPilotOptions(program.command('pilot'), 1)
    .addOption(new Option('--uuid <uuid>'))
    .action((opts, cmd) => {
      result = explicitSettings(cmd, opts.explicit);
    });
  program.parse(['node', 'p3s', ...argv]);
  return result;
}

describe('explicit pilot settings (the site sets the rest)', () => {
  it.each([
    [['pilot'], []],
    [['pilot', '-c', '0'], ['cycles']],
    [
      ['pilot', '-b', '2', '--period', '1'],
      ['period', 'beat'],
    ],
    [['pilot', '-c', '0', '-p', '5', '-b', '5', '--explicit', 'beat'], ['beat']],
    [['pilot', '-c', '0', '--explicit', ''], []],
  ])('%j → %j', (argv, expected) => {
    expect(explicitOf(argv)).toEqual(expected);
  });

  it('survive the trip through the argv of a background pilot', () => {
    const original = { ...parsePilotFlags(['pilot', '-s', 'cern'], { P3S_HOME: '/h' }), uuid: randomUUID() };
    expect(explicitOf(pilotArgv({ ...original, explicit: ['cycles'] }))).toEqual(['cycles']);
    expect(explicitOf(pilotArgv({ ...original, explicit: [] }))).toEqual([]);
  });
});

describe('local pilot processes', () => {
  it('counts a pid as our pilot only while its command line holds the uuid', async () => {
    const uuid = randomUUID();
    const child = spawn('/bin/sh', ['-c', 'sleep 30', 'p3s-pilot', uuid], { stdio: 'ignore' });
    await once(child, 'spawn');
    const pid = child.pid as number;
    expect(pilotProcessState(pid, uuid)).toBe('alive');
    expect(pilotProcessState(pid, randomUUID())).toBe('other');
    expect(pilotProcessState(process.pid, uuid)).toBe('other');
    child.kill('SIGKILL');
    await once(child, 'exit');
    expect(pilotProcessState(pid, uuid)).toBe('gone');
  });

  it('keeps records per uuid and skips files that are not records', () => {
    const a = { uuid: 'a', pid: 1, startedAt: 2, server: 'http://s', logFile: '/l/a.log' };
    const b = { uuid: 'b', pid: 2, startedAt: 1, server: 'http://s', logFile: '/l/b.log' };
    writeRecord(dir, a);
    writeRecord(dir, b);
    writeFileSync(join(dir, 'pilots', 'junk.json'), '{');
    expect(readRecords(dir)).toEqual([b, a]);
    removeRecord(dir, 'b');
    expect(readRecords(dir)).toEqual([a]);
  });
});
