// The job page's log viewer: the end of stdout or stderr of one attempt, then htmx asks for what
// comes after the byte offset reached, a request the logs API holds until there is something new
// (a long-poll), and appends it (out-of-band) until the log is complete.

import { MAX_READ_WAIT_SECONDS } from '../core/index.ts';
import type { LogSliceWire } from '../protocol/schemas/jobs.ts';
import { formatBytes } from './format.ts';
import { type LiveRender, LiveRenderContext } from './live.tsx';
import type { MonitorApi } from './monitor-api.ts';

/** How much of a log the page shows at first; the download link has the whole log. */
export const LOG_VIEW_BYTES = 64 * 1024;
/** Largest slice read per request of the follower. */
export const LOG_POLL_BYTES = 256 * 1024;

export interface LogRef {
  jobId: number;
  attempt: number;
  stream: 'out' | 'err';
}

const base = (ref: LogRef) => `/jobs/${ref.jobId}/log?stream=${ref.stream}&attempt=${ref.attempt}`;

/** Reads the last LOG_VIEW_BYTES of a log, starting at a line boundary when it skips bytes. */
export async function readLogEnd(
  api: MonitorApi,
  ref: LogRef,
): Promise<{ slice: LogSliceWire; skipped: number }> {
  const probe = await api.jobLogs(ref.jobId, {
    stream: ref.stream,
    attempt: ref.attempt,
    offset: 0,
    limit: 1,
  });
  const from = Math.max(0, probe.totalBytes - LOG_VIEW_BYTES);
  const slice =
    from === 0 && probe.totalBytes <= 1
      ? probe
      : await api.jobLogs(ref.jobId, {
          stream: ref.stream,
          attempt: ref.attempt,
          offset: from,
          limit: LOG_VIEW_BYTES,
        });
  if (slice.offset === 0) return { slice, skipped: 0 };
  // Skipping into the middle of a line would show half a line: start after its end.
  const cut = slice.data.indexOf('\n');
  const data = cut >= 0 && cut < slice.data.length - 1 ? slice.data.slice(cut + 1) : slice.data;
  const dropped = Buffer.byteLength(slice.data) - Buffer.byteLength(data);
  return { slice: { ...slice, data }, skipped: slice.offset + dropped };
}

/** The whole viewer for one stream of one attempt. */
export function LogBox({
  log: r,
  slice,
  skipped,
  attempts,
}: {
  log: LogRef;
  slice: LogSliceWire;
  skipped: number;
  attempts: number;
}) {
  const other = r.stream === 'out' ? 'err' : 'out';
  // The server's log cap dropped part of this log: neither the page nor the download has it all.
  const capped = slice.keptBytes < slice.totalBytes;
  return (
    <div id="log-box" class="log-box" data-stream={r.stream}>
      <div class="log-bar">
        <span class="tabs">
          {(['out', 'err'] as const).map((s) =>
            s === r.stream ? (
              <strong key={s} class="tab active">
                {s === 'out' ? 'stdout' : 'stderr'}
              </strong>
            ) : (
              <a
                key={s}
                class="tab"
                href={`/jobs/${r.jobId}?stream=${other}&attempt=${r.attempt}#logs`}
                hx-get={base({ ...r, stream: other })}
                hx-target="#log-box"
                hx-swap="outerHTML"
              >
                {s === 'out' ? 'stdout' : 'stderr'}
              </a>
            ),
          )}
        </span>
        <span class="muted">
          attempt {r.attempt}
          {attempts > 1 ? ` of ${attempts}` : ''} · <LogSize total={slice.totalBytes} />
        </span>
        <a
          class="download"
          href={`/jobs/${r.jobId}/log/download?stream=${r.stream}&attempt=${r.attempt}`}
          download
        >
          {capped ? `download (the ${formatBytes(slice.keptBytes)} kept)` : 'download'}
        </a>
      </div>
      {capped ? (
        <div class="log-note">
          This log is {formatBytes(slice.totalBytes)}; the server kept {formatBytes(slice.keptBytes)} of it,
          its start and its end (the log cap drops the middle). Shown here: its last{' '}
          {formatBytes(Buffer.byteLength(slice.data))}; the download holds the {formatBytes(slice.keptBytes)}{' '}
          kept, with a line where the middle was dropped.
        </div>
      ) : (
        skipped > 0 && (
          <div class="log-note">
            The first {formatBytes(skipped)} of {formatBytes(slice.totalBytes)} are not shown here; download
            the log to read them.
          </div>
        )
      )}
      <pre id="log-text" class="log-text">
        {slice.data}
      </pre>
      <LogPoll log={r} slice={slice} />
    </div>
  );
}

function LogSize({ total }: { total: number }) {
  return (
    <span id="log-size" class="log-size">
      {formatBytes(total)}
    </span>
  );
}

/**
 * The follower: asks for the bytes after `nextOffset`, held by the logs API until some arrive, the
 * log ends or a retry starts (`wait`), while the log can still grow; at most once a second.
 */
function LogPoll({ log: r, slice }: { log: LogRef; slice: LogSliceWire }) {
  if (slice.complete) {
    return (
      <div id="log-poll" class="log-end">
        {slice.totalBytes === 0 ? 'No output.' : 'End of log.'}
      </div>
    );
  }
  return (
    <LiveRenderContext.Consumer>
      {(live: LiveRender) => (
        <div
          id="log-poll"
          class="log-live"
          hx-get={`${base(r)}&offset=${slice.nextOffset}&wait=${logWait(live.waitSeconds)}`}
          hx-trigger="load delay:1s, retry"
          hx-swap="outerHTML"
        >
          {slice.jobState === 'running' || slice.jobState === 'dispatched'
            ? 'following the log…'
            : `waiting (job is ${slice.jobState})…`}
        </div>
      )}
    </LiveRenderContext.Consumer>
  );
}

/** The follower's wait: the monitor's, within what the logs API allows. */
export const logWait = (seconds: number) => Math.min(seconds, MAX_READ_WAIT_SECONDS);

/** The answer to the follower: new text appended to the log, its size, and the next poller. */
export function LogAppend({ log: r, slice }: { log: LogRef; slice: LogSliceWire }) {
  return (
    <>
      {slice.omittedBefore > 0 && (
        <div hx-swap-oob="beforeend:#log-text">{`\n[… ${formatBytes(slice.omittedBefore)} not kept by the server's log cap …]\n`}</div>
      )}
      {slice.data !== '' && <div hx-swap-oob="beforeend:#log-text">{slice.data}</div>}
      <span id="log-size" class="log-size" hx-swap-oob="true">
        {formatBytes(slice.totalBytes)}
      </span>
      <LogPoll log={r} slice={slice} />
    </>
  );
}

/** Every byte the server kept of a log, with a marker where its cap dropped the middle. */
export async function wholeLog(api: MonitorApi, r: LogRef): Promise<string> {
  const parts: string[] = [];
  let offset = 0;
  for (;;) {
    const slice = await api.jobLogs(r.jobId, {
      stream: r.stream,
      attempt: r.attempt,
      offset,
      limit: 4 * 1024 * 1024,
    });
    if (slice.omittedBefore > 0)
      parts.push(`\n[… ${slice.omittedBefore} bytes not kept by the server's log cap …]\n`);
    parts.push(slice.data);
    if (slice.nextOffset <= offset || slice.nextOffset >= slice.totalBytes) break;
    offset = slice.nextOffset;
  }
  return parts.join('');
}
