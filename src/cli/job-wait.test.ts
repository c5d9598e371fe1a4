// The end of `--wait` against a server that does not know `jobs=` (one older than the CLI): it
// refuses the parameter once with a 400, and the wait goes on without it and lists the jobs after.
// The server here is a stand-in that answers as such a server does; the real one is in
// test/e2e/push.test.ts (no closing list read) and test/server/long-poll.test.ts.

import { describe, expect, it } from 'vitest';
import { ApiError, type P3sClient } from '../protocol/client.ts';
import type { JobProgressQuery, JobWire } from '../protocol/schemas/jobs.ts';
import { waitForJobs } from './job-wait.ts';
import { Output } from './output.ts';

const JOB = { id: 7, state: 'finished' } as JobWire;
const refused = () =>
  new ApiError(400, {
    code: 'validation_failed',
    message: 'querystring must NOT have additional properties',
    details: [],
  });

function olderServer(refusals: number) {
  const asked: JobProgressQuery[] = [];
  let listed = 0;
  const client = {
    async jobsProgress(query: JobProgressQuery) {
      asked.push(query);
      if (query.jobs !== undefined && refusals-- > 0) throw refused();
      return { counts: { finished: 1 }, missing: 0, ended: true };
    },
    async listJobs() {
      listed++;
      return { jobs: [JOB], total: 1, totalExact: true, limit: 500, offset: 0 };
    },
  } as unknown as P3sClient;
  return { client, asked, listed: () => listed };
}

const quiet = () => new Output({ stdout: { write: () => true }, stderr: { write: () => true } });
const noSleep = async () => undefined;

describe('waitForJobs against a server without jobs=', () => {
  it('asks again without it and lists the jobs once they have ended', async () => {
    const server = olderServer(1);
    expect(await waitForJobs(server.client, [7], quiet(), noSleep, 1)).toEqual([JOB]);
    expect(server.asked.map((q) => q.jobs)).toEqual([true, undefined]);
    expect(server.listed()).toBe(1);
  });

  it('does not swallow a 400 that comes without the parameter', async () => {
    const server = olderServer(1);
    const client = server.client as unknown as { jobsProgress: (q: JobProgressQuery) => Promise<unknown> };
    const inner = client.jobsProgress;
    client.jobsProgress = async (q) => {
      if (q.jobs === undefined) throw refused();
      return inner(q);
    };
    await expect(waitForJobs(server.client, [7], quiet(), noSleep, 1)).rejects.toBeInstanceOf(ApiError);
  });
});
