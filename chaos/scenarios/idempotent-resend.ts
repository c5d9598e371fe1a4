// An idempotent re-send: the same submission with the same key, twice, on a running server —
// the second answers with the first's job and creates nothing.

import { randomUUID } from 'node:crypto';
import type { P3sClient } from '../../src/protocol/client.ts';
import { type Verdict, verdictOf } from '../lib/verdict.ts';

export async function idempotentResend(store: string, client: P3sClient): Promise<Verdict> {
  const violations: string[] = [];
  const key = `chaos-${randomUUID()}`;
  const job = { name: 'resend', payload: '/bin/true', state: 'template' };
  const before = (await client.summary()).jobs.total ?? 0;
  const first = await client.submitJobs([job], undefined, { idempotencyKey: key });
  const again = await client.submitJobs([job], undefined, { idempotencyKey: key });
  const after = (await client.summary()).jobs.total ?? 0;
  if (first.replayed || !again.replayed) violations.push('the re-send was not answered as a replay');
  if (again.jobs[0]?.id !== first.jobs[0]?.id) violations.push('the re-send answered with another job');
  if (after !== before + 1) violations.push(`the two sends created ${after - before} jobs`);
  return verdictOf(`idempotent re-send (${store})`, {
    resent: 1,
    notes: [
      `sent twice with one key: ${after - before} job created, the second answer a replay of job ${first.jobs[0]?.id}`,
    ],
    violations,
  });
}
