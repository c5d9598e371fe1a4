// A database migrated by a newer p3s is refused at start with a clear message, on the
// command line, instead of being used (or "repaired") by older code.

import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { baseEnv, killAll, p3s, removeDir, startServerProcess, tempDir } from '../helpers/processes.ts';

const dirs: string[] = [];
afterEach(async () => {
  await killAll();
  for (const d of dirs.splice(0)) removeDir(d);
});

describe('schema version check', () => {
  it('refuses to start on a database newer than the code', async () => {
    const dataDir = tempDir();
    dirs.push(dataDir);
    const first = await startServerProcess({ dataDir });
    first.signal('SIGTERM');
    expect(await first.exited).toBe(0);

    const db = new Database(join(dataDir, 'p3s.db'));
    db.prepare('INSERT INTO p3s_migrations (name, timestamp) VALUES (?, ?)').run(
      '9999-from-the-future',
      new Date().toISOString(),
    );
    db.close();

    const res = await p3s(['server', '--port', '0', '--data-dir', dataDir], baseEnv(), { timeoutMs: 30_000 });
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain('9999-from-the-future');
    expect(res.stderr).toMatch(/newer p3s/);
  });
});
