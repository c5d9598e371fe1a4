// The injector's pure decisions: which files of a scan match, which are new and have stopped
// growing, and the fileinfo that points a new workflow's entry edges at one file.

/** One file as a directory scan saw it. */
export interface FileSighting {
  name: string;
  size: number;
  mtimeMs: number;
}

/** A file being watched until it stops changing. */
export interface Watch {
  size: number;
  mtimeMs: number;
  /** When size and mtime were last seen to change (or first seen). */
  since: number;
}

export interface ScanDecision {
  /** New files unchanged for at least the stable time: inject them now (in name order). */
  ready: string[];
  /** New files still changing (or not yet unchanged long enough). */
  waiting: string[];
  /** The watches to keep for the next scan (files gone or done are dropped). */
  watches: Map<string, Watch>;
}

/**
 * Decides one scan. A file is injected once: never if `processed` has it; otherwise when its size and
 * mtime have not changed for `stableMs` (0 = at first sight). A file that changes starts over.
 */
export function decideScan(
  sightings: readonly FileSighting[],
  watches: ReadonlyMap<string, Watch>,
  processed: ReadonlySet<string>,
  now: number,
  stableMs: number,
): ScanDecision {
  const next = new Map<string, Watch>();
  const ready: string[] = [];
  const waiting: string[] = [];
  for (const file of [...sightings].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (processed.has(file.name)) continue;
    const seen = watches.get(file.name);
    const unchanged = seen !== undefined && seen.size === file.size && seen.mtimeMs === file.mtimeMs;
    const watch = unchanged ? seen : { size: file.size, mtimeMs: file.mtimeMs, since: now };
    if (now - watch.since >= stableMs) {
      ready.push(file.name);
    } else {
      waiting.push(file.name);
      next.set(file.name, watch);
    }
  }
  return { ready, waiting, watches: next };
}

/** A shell-style glob (`*`, `?`, `[abc]`) as an anchored regular expression over a file name. */
export function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end === -1) source += '\\[';
      else {
        const body = glob.slice(i + 1, end).replace(/\\/g, '\\\\');
        source += `[${body.startsWith('!') ? `^${body.slice(1)}` : body}]`;
        i = end;
      }
    } else source += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

/** The edges of a DAG as the injector needs them. */
export interface EdgeInfo {
  source: string;
  target: string;
}

/**
 * fileinfo keys ("SOURCE:TARGET#N") of the entry edges: the edges leaving a noop source vertex, which
 * P3S DAGs use as the placeholder for external input. Parallel edges are numbered in file order.
 */
export function entryEdgeKeys(
  edges: readonly EdgeInfo[],
  vertices: readonly { name: string; jobtype: string }[],
  sources: readonly string[],
): string[] {
  const noopSources = new Set(
    vertices.filter((v) => v.jobtype === 'noop' && sources.includes(v.name)).map((v) => v.name),
  );
  const seen = new Map<string, number>();
  const keys: string[] = [];
  for (const edge of edges) {
    const pair = `${edge.source}:${edge.target}`;
    const n = (seen.get(pair) ?? 0) + 1;
    seen.set(pair, n);
    if (noopSources.has(edge.source)) keys.push(`${pair}#${n}`);
  }
  return keys;
}

type FileEntry = { name?: string; dirpath?: string; comment?: string };

/**
 * fileinfo giving every entry edge the file `dirpath/name`, over the user's own fileinfo (`given`,
 * P3S's per-edge JSON) for the other edges: on an entry edge the injected file's name and directory
 * win, a comment the user wrote stays.
 */
export function entryFileinfo(
  keys: readonly string[],
  dirpath: string,
  name: string,
  given: Record<string, unknown> = {},
): Record<string, FileEntry> {
  const fileinfo: Record<string, FileEntry> = { ...(given as Record<string, FileEntry>) };
  for (const key of keys) {
    const own = fileinfo[key];
    fileinfo[key] = { comment: 'injected by p3s inject', ...own, name, dirpath };
  }
  return fileinfo;
}
