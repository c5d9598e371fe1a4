// Ships the new bytes of a job's local .out/.err files with each report. Offsets move only
// when the server accepted a report, so a retried report re-sends the same bytes; the server's
// head/tail caps are applied here so the pilot never sends bytes the server would drop.

import { statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import type { LogStream } from '../core/types.ts';
import type { LogChunks } from '../protocol/schemas/pilots.ts';

export interface ShipperCaps {
  /** Bytes from the start of each stream the server keeps; sent in order. */
  headBytes: number;
  /** Bytes from the end of each stream the server keeps; older unsent bytes past the head are skipped. */
  tailBytes: number;
  /** Largest chunk per stream per report. */
  chunkBytes: number;
}

/** Bytes per stream per report unless told otherwise: keeps one report well under typical body limits. */
export const DEFAULT_CHUNK_BYTES = 256 * 1024;

export interface Collected {
  /** Undefined when there is nothing to send. */
  logs: LogChunks | undefined;
  /** Whether bytes written so far remain unsent after this collection. */
  more: boolean;
}

const STREAMS: readonly LogStream[] = ['out', 'err'];

export class LogShipper {
  /** Next byte the server has not accepted yet, per stream. */
  private readonly acked: Record<LogStream, number> = { out: 0, err: 0 };
  /** Where each stream's offset goes once the last collected report is accepted. */
  private readonly pending: Record<LogStream, number> = { out: 0, err: 0 };

  constructor(
    private readonly files: Record<LogStream, string>,
    private readonly caps: ShipperCaps,
  ) {}

  /** Reads the next chunk of each stream from its acknowledged offset; call commit() once the report was accepted. */
  async collect(): Promise<Collected> {
    const logs: LogChunks = {};
    let more = false;
    for (const stream of STREAMS) {
      const chunk = await this.next(stream);
      this.pending[stream] = chunk ? chunk.end : this.acked[stream];
      if (chunk) logs[stream] = { offset: chunk.offset, data: chunk.data.toString('base64') };
      if (chunk?.more) more = true;
    }
    return { logs: logs.out || logs.err ? logs : undefined, more };
  }

  /** The server accepted the report built by the last collect(). */
  commit(): void {
    for (const stream of STREAMS) this.acked[stream] = Math.max(this.acked[stream], this.pending[stream]);
  }

  /** Acknowledged offsets (for logs and tests). */
  offsets(): Record<LogStream, number> {
    return { ...this.acked };
  }

  private async next(
    stream: LogStream,
  ): Promise<{ offset: number; data: Buffer; end: number; more: boolean } | null> {
    const { headBytes, tailBytes, chunkBytes } = this.caps;
    const from = this.acked[stream];
    // Most reports find nothing new: a stat answers that without opening the file. A local stat
    // takes microseconds, less than the thread pool's round trip an async one would cost.
    let size: number;
    try {
      size = statSync(this.files[stream]).size;
    } catch {
      return null; // not created (yet): nothing to ship
    }
    if (size <= from) return null;
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(this.files[stream], 'r');
    } catch {
      return null;
    }
    // A read error must not stop the reports: this round ships nothing and the next one tries again.
    try {
      const range = shipRange(from, size, headBytes, tailBytes, chunkBytes);
      const data = Buffer.alloc(range.end - range.start);
      let read = 0;
      while (read < data.length) {
        const { bytesRead } = await handle.read(data, read, data.length - read, range.start + read);
        if (bytesRead === 0) break;
        read += bytesRead;
      }
      const end = range.start + read;
      return { offset: range.start, data: data.subarray(0, read), end, more: end < size };
    } catch {
      return null;
    } finally {
      await handle.close();
    }
  }
}

/**
 * Which bytes [start, end) to send next when `from` is acknowledged and the file has `size`
 * bytes. Bytes below the head cap go in order; past it, a backlog longer than the tail cap is
 * skipped up to the last `tailBytes` (the server counts the gap as omitted, even from an empty chunk).
 */
export function shipRange(
  from: number,
  size: number,
  headBytes: number,
  tailBytes: number,
  chunkBytes: number,
): { start: number; end: number } {
  const tailStart = Math.max(0, size - tailBytes);
  let start = from;
  let limit = size;
  if (from < headBytes) {
    // Stop at the end of the head when what follows it would be skipped anyway.
    if (tailStart > headBytes) limit = headBytes;
  } else if (from < tailStart) {
    start = tailStart;
  }
  return { start, end: Math.min(limit, start + Math.max(1, chunkBytes)) };
}
