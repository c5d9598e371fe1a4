import { describe, expect, it } from 'vitest';
import { appendToLog, emptyLog, readLog, utf8SafePrefix } from './capped-log.ts';

const caps = { headCap: 10, tailCap: 10 };
const b = (s: string) => Buffer.from(s);

function feed(chunks: [number, string][]) {
  return chunks.reduce((log, [offset, data]) => appendToLog(log, offset, b(data), caps), emptyLog());
}

describe('appendToLog', () => {
  it('keeps everything while under the caps', () => {
    const log = feed([
      [0, 'hello '],
      [6, 'world'],
    ]);
    expect(log.totalBytes).toBe(11);
    expect(log.head.toString() + log.tail.toString()).toBe('hello world');
    expect(readLog(log, 0, 100).data.toString()).toBe('hello world');
  });

  it('ignores a re-sent chunk and the overlapping part of a chunk', () => {
    const log = feed([
      [0, 'abcdef'],
      [0, 'abcdef'],
      [3, 'defghi'],
    ]);
    expect(log.totalBytes).toBe(9);
    expect(readLog(log, 0, 100).data.toString()).toBe('abcdefghi');
  });

  it('keeps the head and the tail and counts the middle as omitted', () => {
    const log = feed([[0, '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ']]);
    expect(log.head.toString()).toBe('0123456789');
    expect(log.tail.toString()).toBe('QRSTUVWXYZ');
    expect(log.tailStart).toBe(26);
    const first = readLog(log, 0, 100);
    expect(first.data.toString()).toBe('0123456789');
    const second = readLog(log, first.nextOffset, 100);
    expect(second).toMatchObject({ offset: 26, omittedBefore: 16, nextOffset: 36 });
    expect(second.data.toString()).toBe('QRSTUVWXYZ');
  });

  it('records a gap when the pilot skipped ahead', () => {
    const log = feed([
      [0, '0123456789'],
      [100, 'tail!'],
    ]);
    expect(log.totalBytes).toBe(105);
    const slice = readLog(log, 10, 100);
    expect(slice).toMatchObject({ offset: 100, omittedBefore: 90 });
    expect(slice.data.toString()).toBe('tail!');
  });

  it('reads nothing past the end', () => {
    const log = feed([[0, 'abc']]);
    expect(readLog(log, 3, 10)).toMatchObject({ offset: 3, nextOffset: 3, omittedBefore: 0 });
    expect(readLog(log, 3, 10).data.length).toBe(0);
  });

  it('reads in bounded slices', () => {
    const log = feed([[0, 'abcdefgh']]);
    const s1 = readLog(log, 0, 3);
    expect(s1.data.toString()).toBe('abc');
    expect(readLog(log, s1.nextOffset, 3).data.toString()).toBe('def');
  });
});

describe('utf8SafePrefix', () => {
  it('never splits a multi-byte character when more follows', () => {
    const euro = Buffer.from('a€'); // € is 3 bytes
    expect(utf8SafePrefix(euro.subarray(0, 3), true).toString()).toBe('a');
    expect(utf8SafePrefix(euro, true).toString()).toBe('a€');
    expect(utf8SafePrefix(euro.subarray(0, 3), false).length).toBe(3);
  });
});
