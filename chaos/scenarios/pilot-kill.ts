// kill -9 of a pilot mid-job: its payload and the child the payload setsid-ed are gone within a
// second; and a payload that setsids is killed whole at its time limit.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { alive, killAll, tempDir } from '../../test/helpers/processes.ts';
import { sleep, startChaosServer, startPilots } from '../lib/installation.ts';
import { type Verdict, verdictOf } from '../lib/verdict.ts';

/** What the issue asks: gone within a second of the kill. */
const GONE_WITHIN_MS = 1000;

export async function pilotKillScenario(log: (line: string) => void): Promise<Verdict[]> {
  const dataDir = tempDir('p3s-chaos-kill-');
  const violations: string[] = [];
  const notes: string[] = [];
  try {
    const server = await startChaosServer({ dataDir });
    const payload = (tag: string) => {
      const main = join(dataDir, `${tag}.main`);
      const child = join(dataDir, `${tag}.child`);
      const text =
        `echo $$ > ${main}; setsid sh -c 'echo $$ > ${child}; exec sleep 300' >/dev/null 2>&1 & ` +
        `while [ ! -s ${child} ]; do sleep 0.02; done; sleep 300`;
      return { text, main, child };
    };
    const waitPids = async (p: { main: string; child: string }) => {
      for (let i = 0; i < 600; i++) {
        if (existsSync(p.main) && existsSync(p.child)) {
          const pids = [Number(readFileSync(p.main, 'utf8')), Number(readFileSync(p.child, 'utf8'))];
          if (pids.every((pid) => pid > 0)) return pids;
        }
        await sleep(50);
      }
      throw new Error('the payload never started');
    };

    // kill -9 of the pilot running the job.
    const [pilot] = startPilots(server, 1);
    const killed = payload('killed');
    await server.client.submitJobs([
      { name: 'killed', payload: killed.text, timeout: '600', env: { P3S_EXECMODE: '1' } },
    ]);
    const pids = await waitPids(killed);
    pilot?.signal('SIGKILL');
    const killedAt = Date.now();
    while (pids.some(alive) && Date.now() - killedAt < 5000) await sleep(10);
    const tookMs = Date.now() - killedAt;
    const left = pids.filter(alive);
    log(
      `  kill -9: payload and its setsid child gone ${left.length === 0 ? `after ${tookMs} ms` : 'NOT gone'}`,
    );
    if (left.length > 0 || tookMs > GONE_WITHIN_MS)
      violations.push(
        `after kill -9 of the pilot, ${left.length > 0 ? `pids ${left.join(' ')} lived on` : `its payload took ${tookMs} ms to go`}`,
      );
    notes.push(`kill -9 of a pilot mid-job: payload and setsid child gone after ${tookMs} ms`);

    // A time-limited payload that setsids: killed whole at its limit.
    startPilots(server, 1);
    const limited = payload('limited');
    const { jobs } = await server.client.submitJobs([
      { name: 'limited', payload: limited.text, timeout: '2', env: { P3S_EXECMODE: '1' } },
    ]);
    const limitedPids = await waitPids(limited);
    const id = jobs[0]?.id as number;
    let state = '';
    for (let i = 0; i < 300 && state !== 'failed'; i++) {
      const job = (await server.client.getJob(id)).job;
      state = job.state;
      if (state === 'failed' && job.errorName !== 'timelimit')
        violations.push(`the time-limited job failed with ${job.errorName}`);
      await sleep(100);
    }
    const survivors = limitedPids.filter(alive);
    log(`  time limit: job ${state}, its setsid child ${survivors.length === 0 ? 'gone' : 'ALIVE'}`);
    if (state !== 'failed') violations.push(`the time-limited job is ${state}, not failed at its limit`);
    if (survivors.length > 0)
      violations.push(`a time-limited payload's processes ${survivors.join(' ')} outlived its limit`);
    notes.push(
      `a payload that setsids, past its 2 s time limit: ${survivors.length === 0 ? 'killed whole' : 'NOT killed'}`,
    );
    for (const pid of [...pids, ...limitedPids]) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone, as it should be
      }
    }
    return [
      verdictOf('pilot kill -9, setsid payload at its time limit', {
        faults: 2,
        serverSamePid: await server.samePid(),
        notes,
        violations,
      }),
    ];
  } finally {
    await killAll();
  }
}
