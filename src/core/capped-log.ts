// Pure bookkeeping for a job's captured stdout/stderr, capped per job: the first
// `headCap` bytes and the last `tailCap` bytes are kept, the middle is counted as omitted.

export interface CappedLog {
  /** Bytes received so far, including omitted ones (= the next expected offset). */
  totalBytes: number;
  /** Bytes [0, head.length). */
  head: Buffer;
  /** Bytes [tailStart, tailStart + tail.length). */
  tail: Buffer;
  tailStart: number;
}

export interface LogCaps {
  headCap: number;
  tailCap: number;
}

export function emptyLog(): CappedLog {
  return { totalBytes: 0, head: Buffer.alloc(0), tail: Buffer.alloc(0), tailStart: 0 };
}

/**
 * Appends a chunk that starts at byte `offset` of the stream. Re-sent bytes (a retried
 * report) are ignored; a chunk past the end records the skipped bytes as omitted.
 */
export function appendToLog(log: CappedLog, offset: number, chunk: Buffer, caps: LogCaps): CappedLog {
  const end = offset + chunk.length;
  if (end <= log.totalBytes) return log;
  let data = chunk;
  let at = offset;
  if (at < log.totalBytes) {
    data = data.subarray(log.totalBytes - at);
    at = log.totalBytes;
  }
  let head = log.head;
  if (at === head.length && head.length < caps.headCap) {
    const take = Math.min(caps.headCap - head.length, data.length);
    head = Buffer.concat([head, data.subarray(0, take)]);
    data = data.subarray(take);
    at += take;
  }
  let tail = log.tail;
  let tailStart = log.tailStart;
  if (data.length > 0) {
    if (tail.length > 0 && tailStart + tail.length === at) {
      tail = Buffer.concat([tail, data]);
    } else {
      tail = Buffer.from(data);
      tailStart = at;
    }
    if (tail.length > caps.tailCap) {
      const drop = tail.length - caps.tailCap;
      tail = tail.subarray(drop);
      tailStart += drop;
    }
  }
  if (tail.length === 0) tailStart = head.length;
  return { totalBytes: end, head, tail: Buffer.from(tail), tailStart };
}

export interface LogSlice {
  /** Offset of the first byte returned (after any omitted gap). */
  offset: number;
  data: Buffer;
  /** Offset to ask for next. */
  nextOffset: number;
  /** Bytes skipped before `offset` because they were not kept. */
  omittedBefore: number;
}

/** Reads up to `maxBytes` from `from`, jumping over the omitted middle; never splits a UTF-8 character. */
export function readLog(log: CappedLog, from: number, maxBytes: number): LogSlice {
  const start = Math.max(0, from);
  if (start < log.head.length) {
    let data = log.head.subarray(start, start + maxBytes);
    if (data.length < maxBytes && log.tailStart === log.head.length && log.tail.length > 0) {
      data = Buffer.concat([data, log.tail.subarray(0, maxBytes - data.length)]);
    }
    data = utf8SafePrefix(data, start + data.length < log.totalBytes);
    return { offset: start, data, nextOffset: start + data.length, omittedBefore: 0 };
  }
  if (start >= log.totalBytes)
    return { offset: start, data: Buffer.alloc(0), nextOffset: start, omittedBefore: 0 };
  if (log.tail.length === 0) {
    // Everything from `start` on was omitted and nothing after it is kept yet.
    return {
      offset: log.totalBytes,
      data: Buffer.alloc(0),
      nextOffset: log.totalBytes,
      omittedBefore: log.totalBytes - start,
    };
  }
  const at = Math.max(start, log.tailStart);
  let data = log.tail.subarray(at - log.tailStart, at - log.tailStart + maxBytes);
  data = utf8SafePrefix(data, at + data.length < log.totalBytes);
  return { offset: at, data, nextOffset: at + data.length, omittedBefore: at - start };
}

/** Drops a trailing incomplete UTF-8 sequence when more bytes follow, so text never splits a character. */
export function utf8SafePrefix(data: Buffer, moreFollows: boolean): Buffer {
  if (!moreFollows || data.length === 0) return data;
  let i = data.length - 1;
  let continuation = 0;
  while (i >= 0 && continuation < 3 && ((data[i] as number) & 0xc0) === 0x80) {
    i--;
    continuation++;
  }
  if (i < 0) return data;
  const lead = data[i] as number;
  const need = lead >= 0xf0 ? 3 : lead >= 0xe0 ? 2 : lead >= 0xc0 ? 1 : 0;
  return need > continuation ? data.subarray(0, i) : data;
}
