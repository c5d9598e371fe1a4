// The batch scripts and submit descriptions the factory writes, checked as text and, for the
// scripts, by the shell itself (sh -n), and run for real with a stand-in for p3s.

import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type Provisioning, parseProvisioning } from '../../core/index.ts';
import { pilotLaunch, shellQuote } from '../pilot-launch.ts';
import { condorScript, condorSubmitDescription } from './htcondor-submit.ts';
import { slurmScript } from './slurm-script.ts';

function provisioning(input: Record<string, unknown>): Provisioning {
  const parsed = parseProvisioning({ batch: 'slurm', maxWorkers: 2, ...input }, '', []);
  if (!parsed.ok || !parsed.value) throw new Error('fixture');
  return parsed.value;
}

const full = provisioning({
  pilotIdle: 60,
  pilotTimefloor: 300,
  pilotArgs: ['--beat', '10'],
  jobTypes: ['reco', 'dqm'],
  resources: { cores: 4, memoryMb: 8000, wallSeconds: 7200, queue: 'long', account: 'np04' },
  submitLines: ['#SBATCH --qos=high'],
});
const factory = {
  pilotServer: 'https://p3s.example.org',
  pilotCommand: "/usr/bin/node '/opt/p 3s/bin/p3s.js'",
  caFile: null,
};

describe('pilotLaunch', () => {
  it("runs the ordinary pilot for the site, claiming until idle, the site's own arguments last", () => {
    expect(pilotLaunch({ name: 'hpc', provisioning: full }, factory).args).toEqual([
      'pilot',
      '--site',
      'hpc',
      '--cycles',
      '0',
      '--idle-exit',
      '60',
      '--lifetime',
      '7140',
      '--timefloor',
      '300',
      '--jobtypes',
      'reco,dqm',
      '--beat',
      '10',
    ]);
  });

  it("prefers the site's pilotCommand to the factory's", () => {
    expect(pilotLaunch({ name: 'hpc', provisioning: full }, factory).command).toBe(factory.pilotCommand);
    const own = provisioning({ pilotCommand: '/cvmfs/p3s/bin/p3s' });
    expect(pilotLaunch({ name: 'hpc', provisioning: own }, factory).command).toBe('/cvmfs/p3s/bin/p3s');
  });
});

describe('slurmScript', () => {
  const script = slurmScript(pilotLaunch({ name: 'hpc', provisioning: full }, factory), {
    resources: full.resources,
    submitLines: full.submitLines,
    tokenFile: '/shared/p3s/tokens/hpc.token',
    logDir: '/shared/p3s/logs/hpc',
  });

  it("asks for the site's resources and execs the pilot with its Slurm id", () => {
    expect(script).toBe(`#!/bin/sh
#SBATCH --job-name=p3s-hpc
#SBATCH --output=/shared/p3s/logs/hpc/slurm-%j.out
#SBATCH --ntasks=1
#SBATCH --cpus-per-task=4
#SBATCH --signal=B:TERM@30
#SBATCH --mem=8000M
#SBATCH --time=120
#SBATCH --partition=long
#SBATCH --account=np04
#SBATCH --qos=high
# A p3s pilot for site hpc, written by the p3s factory; its log is this batch job's output.
unset P3S_TOKEN
export PATH="\${PATH:-/usr/local/bin:/usr/bin:/bin}"
export P3S_SERVER=https://p3s.example.org
export P3S_TOKEN_FILE=/shared/p3s/tokens/hpc.token
export P3S_HOME="\${TMPDIR:-/tmp}/p3s-pilot-$SLURM_JOB_ID"
(umask 077 && mkdir -p "$P3S_HOME") && [ -O "$P3S_HOME" ] || { echo "p3s: $P3S_HOME cannot be a data dir of our own" >&2; exit 1; }
exec /usr/bin/node '/opt/p 3s/bin/p3s.js' pilot --site hpc --cycles 0 --idle-exit 60 --lifetime 7140 --timefloor 300 --jobtypes reco,dqm --beat 10 --batch-id "slurm:$SLURM_JOB_ID"
`);
  });

  it('leaves out what the site does not ask for', () => {
    const bare = provisioning({});
    const text = slurmScript(pilotLaunch({ name: 'hpc', provisioning: bare }, factory), {
      resources: bare.resources,
      submitLines: [],
      tokenFile: '/t',
      logDir: '/l',
    });
    expect(text).not.toMatch(/#SBATCH --(mem|time|partition|account)=/);
  });
});

describe('condorSubmitDescription', () => {
  it('queues N pilots that carry their token and report their batch id', () => {
    expect(
      condorSubmitDescription({
        site: 'hpc',
        count: 3,
        script: '/home/p3s/factory/scripts/hpc.htcondor.sh',
        tokenFile: '/home/p3s/factory/tokens/hpc.token',
        logDir: '/home/p3s/factory/logs/hpc',
        resources: full.resources,
        submitLines: ['+ProjectName = "np04"'],
        tag: 'p3s-0123456789ab',
      }),
    ).toBe(`universe = vanilla
executable = /home/p3s/factory/scripts/hpc.htcondor.sh
arguments = "htcondor:$(ClusterId).$(ProcId)"
getenv = false
should_transfer_files = YES
when_to_transfer_output = ON_EXIT
transfer_input_files = /home/p3s/factory/tokens/hpc.token
transfer_output_files =
output = /home/p3s/factory/logs/hpc/htcondor-$(ClusterId).$(ProcId).out
error = /home/p3s/factory/logs/hpc/htcondor-$(ClusterId).$(ProcId).err
request_cpus = 4
request_memory = 8000
periodic_remove = JobStatus == 2 && (time() - JobCurrentStartDate) > 7200
accounting_group = np04
batch_name = p3s-hpc
+p3sSite = "hpc"
+p3sIntent = "p3s-0123456789ab"
leave_in_queue = (JobStatus == 3 || JobStatus == 4) && (time() - EnteredCurrentStatus) < 600
+ProjectName = "np04"
queue 3
`);
  });
});

describe('the scripts under a real shell', () => {
  const dir = mkdtempSync(join(tmpdir(), 'p3s-scripts-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // A stand-in for p3s that prints its arguments and the env the pilot would see.
  const fake = join(dir, 'fake-p3s');
  writeFileSync(
    fake,
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell text
    '#!/bin/sh\necho "token=${P3S_TOKEN:-unset} file=$P3S_TOKEN_FILE server=$P3S_SERVER"\necho "$@"\n',
  );
  chmodSync(fake, 0o755);
  const launch = pilotLaunch(
    { name: 'hpc', provisioning: provisioning({ pilotIdle: 30 }) },
    {
      ...factory,
      pilotCommand: shellQuote(fake),
    },
  );

  it('are valid sh (sh -n)', () => {
    for (const [name, text] of [
      [
        'slurm.sh',
        slurmScript(launch, { resources: full.resources, submitLines: [], tokenFile: '/t', logDir: '/l' }),
      ],
      ['condor.sh', condorScript(launch, 'hpc.token')],
    ] as const) {
      writeFileSync(join(dir, name), text);
      expect(() => execFileSync('/bin/sh', ['-n', join(dir, name)])).not.toThrow();
    }
  });

  it('run the pilot with the batch id, never a P3S_TOKEN from the environment', () => {
    const script = join(dir, 'run.sh');
    writeFileSync(
      script,
      slurmScript(launch, {
        resources: full.resources,
        submitLines: [],
        tokenFile: '/tok/hpc.token',
        logDir: dir,
      }),
    );
    const out = execFileSync('/bin/sh', [script], {
      env: { PATH: process.env.PATH, SLURM_JOB_ID: '77', TMPDIR: dir, P3S_TOKEN: 'the-admin-token' },
    }).toString();
    expect(out).toBe(
      'token=unset file=/tok/hpc.token server=https://p3s.example.org\n' +
        'pilot --site hpc --cycles 0 --idle-exit 30 --lifetime 0 --timefloor 0 --batch-id slurm:77\n',
    );
    expect(readFileSync(script, 'utf8')).toContain('exec ');
    // Its data dir is its own: private to it.
    expect(statSync(join(dir, 'p3s-pilot-77')).mode & 0o777).toBe(0o700);
  });

  if (process.getuid?.() !== 0)
    console.warn(
      'submit-files.test.ts: skipped the foreign data dir case: making one owned by another user needs root',
    );
  it.skipIf(process.getuid?.() !== 0)(
    'refuse a data dir another user made beforehand (as root: one owned by nobody)',
    () => {
      const script = join(dir, 'taken.sh');
      const opts = { resources: full.resources, submitLines: [], tokenFile: '/t', logDir: dir };
      writeFileSync(script, slurmScript(launch, opts));
      const taken = join(dir, 'p3s-pilot-78');
      mkdirSync(taken, { mode: 0o777 });
      chownSync(taken, 65534, 65534);
      const run = spawnSync('/bin/sh', [script], {
        env: { PATH: process.env.PATH, SLURM_JOB_ID: '78', TMPDIR: dir },
        encoding: 'utf8',
      });
      expect(run.status).toBe(1);
      expect(run.stderr).toContain(`p3s: ${taken} cannot be a data dir of our own`);
      expect(run.stdout).toBe('');
    },
  );
});

describe('shellQuote', () => {
  it.each([
    ['/usr/bin/node', '/usr/bin/node'],
    ['/opt/p 3s', "'/opt/p 3s'"],
    ["it's", `'it'\\''s'`],
    ['$HOME', "'$HOME'"],
  ])('%s → %s', (word, quoted) => {
    expect(shellQuote(word)).toBe(quoted);
    expect(execFileSync('/bin/sh', ['-c', `printf %s ${quoted}`]).toString()).toBe(word);
  });
});
