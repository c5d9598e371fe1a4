import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendToLog, emptyLog, readLog } from '../core/capped-log.ts';
import { LogShipper, shipRange } from './log-shipper.ts';

let root: string;
let files: { out: string; err: string };

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'p3s-shipper-'));
  files = { out: join(root, '1.out'), err: join(root, '1.err') };
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

const decode = (data: string | undefined) => Buffer.from(data ?? '', 'base64').toString('latin1');

describe('shipRange', () => {
  // [from, size, head, tail, chunk] → [start, end]
  const table: [number[], [number, number]][] = [
    [
      [0, 10, 100, 100, 4],
      [0, 4],
    ],
    [
      [4, 10, 100, 100, 4],
      [4, 8],
    ],
    [
      [0, 500, 100, 100, 1000],
      [0, 100],
    ], // head first; the middle will be skipped
    [
      [0, 150, 100, 100, 1000],
      [0, 150],
    ], // nothing to skip: all of it in order
    [
      [100, 500, 100, 100, 1000],
      [400, 500],
    ], // jump to the last tail bytes
    [
      [450, 500, 100, 100, 1000],
      [450, 500],
    ], // backlog within the tail
    [
      [100, 500, 100, 0, 1000],
      [500, 500],
    ], // no tail kept: an empty chunk marks the gap
    [
      [0, 500, 0, 100, 30],
      [400, 430],
    ],
  ];
  it.each(table)('%j → %j', ([from, size, head, tail, chunk], expected) => {
    expect(
      shipRange(from as number, size as number, head as number, tail as number, chunk as number),
    ).toEqual({
      start: expected[0],
      end: expected[1],
    });
  });
});

describe('LogShipper', () => {
  it('sends nothing while no file exists', async () => {
    const shipper = new LogShipper(files, { headBytes: 10, tailBytes: 10, chunkBytes: 10 });
    expect(await shipper.collect()).toEqual({ logs: undefined, more: false });
  });

  it('re-sends the same bytes until a report is committed', async () => {
    writeFileSync(files.out, 'hello ');
    writeFileSync(files.err, 'E');
    const shipper = new LogShipper(files, { headBytes: 1000, tailBytes: 1000, chunkBytes: 1000 });
    const first = await shipper.collect();
    expect(first.logs?.out).toEqual({ offset: 0, data: Buffer.from('hello ').toString('base64') });
    appendFileSync(files.out, 'world');
    // The report failed: the retry starts from the same offset, with the new bytes added.
    const retry = await shipper.collect();
    expect(retry.logs?.out?.offset).toBe(0);
    expect(decode(retry.logs?.out?.data)).toBe('hello world');
    shipper.commit();
    expect(shipper.offsets()).toEqual({ out: 11, err: 1 });
    expect(await shipper.collect()).toEqual({ logs: undefined, more: false });
    appendFileSync(files.err, 'RR');
    const next = await shipper.collect();
    expect(next.logs).toEqual({ err: { offset: 1, data: Buffer.from('RR').toString('base64') } });
  });

  it('sends the head in order, then jumps to the tail, and the server keeps what it should', async () => {
    const text = Array.from({ length: 1000 }, (_, i) => String.fromCharCode(65 + (i % 26))).join('');
    writeFileSync(files.out, text);
    const caps = { headBytes: 100, tailBytes: 50, chunkBytes: 40 };
    const shipper = new LogShipper(files, caps);
    let server = emptyLog();
    const sent: [number, number][] = [];
    for (let more = true; more; ) {
      const collected = await shipper.collect();
      const chunk = collected.logs?.out;
      if (chunk) {
        const data = Buffer.from(chunk.data, 'base64');
        sent.push([chunk.offset, data.length]);
        server = appendToLog(server, chunk.offset, data, {
          headCap: caps.headBytes,
          tailCap: caps.tailBytes,
        });
      }
      shipper.commit();
      more = collected.more;
    }
    expect(sent).toEqual([
      [0, 40],
      [40, 40],
      [80, 20],
      [950, 40],
      [990, 10],
    ]);
    expect(server.totalBytes).toBe(1000);
    expect(server.head.toString()).toBe(text.slice(0, 100));
    expect(server.tail.toString()).toBe(text.slice(950));
    expect(readLog(server, 100, 1000).omittedBefore).toBe(850);
  });

  it('jumps again when the file grew past the tail cap since the last report', async () => {
    writeFileSync(files.out, 'x'.repeat(20));
    const shipper = new LogShipper(files, { headBytes: 10, tailBytes: 5, chunkBytes: 100 });
    await shipper.collect();
    shipper.commit();
    expect(shipper.offsets().out).toBe(10);
    await shipper.collect();
    shipper.commit();
    expect(shipper.offsets().out).toBe(20);
    appendFileSync(files.out, 'y'.repeat(30));
    const collected = await shipper.collect();
    expect(collected.logs?.out?.offset).toBe(45);
    expect(decode(collected.logs?.out?.data)).toBe('yyyyy');
  });
});
