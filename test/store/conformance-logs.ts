// Conformance: job output kept as a capped head and tail per job, attempt and stream,
// exactly as core appendToLog computes it, through repeated and out-of-order chunks.

import { describe, expect, it } from 'vitest';
import { appendToLog, emptyLog, NotFoundError } from '../../src/core/index.ts';
import { type ConformanceContext, runningJob, seededRandom } from './conformance-fixtures.ts';

const CAPS = { headCap: 16, tailCap: 24 };

export function describeLogs(ctx: ConformanceContext): void {
  describe('logs', () => {
    it('keeps the head and tail of a long stream as core appendToLog does', async () => {
      const store = await ctx.fresh();
      const { job } = await runningJob(store);
      const text = Buffer.from(
        Array.from({ length: 300 }, (_, i) => String.fromCharCode(97 + (i % 26))).join(''),
      );
      const random = seededRandom(7);
      let expected = emptyLog();
      let offset = 0;
      while (offset < text.length) {
        const size = 1 + Math.floor(random() * 20);
        // Every third chunk starts a little early, as a re-sent report would.
        const from = offset > 5 && random() < 0.33 ? offset - 5 : offset;
        const chunk = text.subarray(from, from + size);
        await store.appendLog(job.id, 1, 'out', from, chunk, CAPS);
        expected = appendToLog(expected, from, chunk, CAPS);
        offset = Math.max(offset, from + chunk.length);
      }
      const log = await store.getLog(job.id, 1, 'out');
      expect(log).toEqual({ jobId: job.id, attempt: 1, stream: 'out', ...expected });
      expect(log?.totalBytes).toBe(300);
      expect(log?.head.toString()).toBe(text.subarray(0, 16).toString());
      expect(log?.tail.toString()).toBe(text.subarray(276).toString());
      expect(log?.tailStart).toBe(276);
    });

    it('keeps streams and attempts apart and ignores bytes already stored', async () => {
      const store = await ctx.fresh();
      const { job } = await runningJob(store);
      await store.appendLog(job.id, 1, 'out', 0, Buffer.from('out-1'), CAPS);
      await store.appendLog(job.id, 1, 'err', 0, Buffer.from('err-1'), CAPS);
      await store.appendLog(job.id, 2, 'out', 0, Buffer.from('out-2'), CAPS);
      await store.appendLog(job.id, 1, 'out', 0, Buffer.from('out'), CAPS);
      expect((await store.getLog(job.id, 1, 'out'))?.head.toString()).toBe('out-1');
      expect((await store.getLog(job.id, 1, 'err'))?.head.toString()).toBe('err-1');
      expect((await store.getLog(job.id, 2, 'out'))?.head.toString()).toBe('out-2');
      expect(await store.getLog(job.id, 2, 'err')).toBeUndefined();
    });

    it('stores binary bytes unchanged', async () => {
      const store = await ctx.fresh();
      const { job } = await runningJob(store);
      const bytes = Buffer.from([0, 255, 1, 254, 0x80, 0xc3, 0x28]);
      await store.appendLog(job.id, 1, 'err', 0, bytes, CAPS);
      expect((await store.getLog(job.id, 1, 'err'))?.head).toEqual(bytes);
    });

    it('refuses output for a job that does not exist', async () => {
      const store = await ctx.fresh();
      await expect(store.appendLog(999_999, 1, 'out', 0, Buffer.from('x'), CAPS)).rejects.toBeInstanceOf(
        NotFoundError,
      );
    });
  });
}
