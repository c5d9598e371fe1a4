// Building blocks shared by the monitor's pages: times, state badges, the live region that htmx
// keeps up to date, paging and sortable headers, key/value lists and the empty and error states.

import { type ComponentChildren, isValidElement, type VNode } from 'preact';
import { formatCount, isoTime } from './format.ts';
import type { NavKey } from './layout.tsx';
import { type LiveRender, LiveRenderContext, liveUrl } from './live.tsx';
import type { PageResult } from './page.ts';

/** What an empty cell or value shows. */
export function Dash() {
  return <span class="muted">—</span>;
}

/** A time shown in the viewer's zone: the browser rewrites the ISO text (assets/monitor.js). */
export function Time({
  ms,
  format = 'datetime',
}: {
  ms: number | null;
  /** `short`: the clock for today, the day and minute otherwise (full time in the tooltip). */
  format?: 'datetime' | 'time' | 'ago' | 'short';
}) {
  if (ms === null) return <Dash />;
  const iso = isoTime(ms);
  // In UTC until monitor.js rewrites it in the viewer's zone (format and title).
  const text = format === 'short' ? `${iso.slice(5, 10)} ${iso.slice(11, 16)}Z` : iso.replace('T', ' ');
  return (
    <time datetime={new Date(ms).toISOString()} data-fmt={format}>
      {text}
    </time>
  );
}

/** A state with the colour it has on every page (classes in assets/monitor.css). */
export function StateBadge({ state }: { state: string }) {
  return <span class={`badge state-${state}`}>{state}</span>;
}

/**
 * A region htmx keeps up to date in place: it asks its own URL for the same region once it differs
 * from what it shows (a long-poll, live.tsx) and swaps it in, so the page never reloads. Shows when
 * it was rendered and links its JSON twin. `pause`: least time between two updates (default 2s).
 * A failed request is retried (assets/monitor.js sends `retry`).
 */
export function Live(props: {
  url: string;
  json: string;
  now: number;
  id?: string;
  pause?: string;
  children: ComponentChildren;
}) {
  const id = props.id ?? 'live';
  return (
    <LiveRenderContext.Consumer>
      {(live: LiveRender) => {
        return (
          <section
            id={id}
            class="live"
            hx-get={liveUrl(props.url, live)}
            hx-trigger={`load delay:${props.pause ?? '2s'}, retry`}
            hx-select={`#${id}`}
            hx-swap="outerHTML"
          >
            <div class="live-bar">
              <span class="updated">
                Updated <Time ms={props.now} format="time" />
              </span>
              <a class="json" href={props.json} title="The same data from the JSON API">
                JSON
              </a>
            </div>
            {props.children}
          </section>
        );
      }}
    </LiveRenderContext.Consumer>
  );
}

/** A link inside a live region that replaces only that region and records the URL in history. */
export function PartLink(props: {
  href: string;
  target?: string;
  class?: string;
  children: ComponentChildren;
}) {
  const target = `#${props.target ?? 'live'}`;
  return (
    <a
      href={props.href}
      class={props.class}
      hx-get={props.href}
      hx-target={target}
      hx-select={target}
      hx-swap="outerHTML"
      hx-push-url="true"
    >
      {props.children}
    </a>
  );
}

export function PageHead({ title, children }: { title: ComponentChildren; children?: ComponentChildren }) {
  return (
    <div class="page-head">
      <h1>{title}</h1>
      {children && <div class="page-actions">{children}</div>}
    </div>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <div class="empty">{children}</div>;
}

/** What an empty installation shows: how to get a first job running. */
export function HowToSubmit() {
  return (
    <Empty>
      <h2>No jobs yet</h2>
      <p>
        Start pilots (or the whole system with <code>p3s up</code>), then describe a job in JSON and submit
        it:
      </p>
      <pre>
        {`cat > hello.json <<'JSON'
[ { "name": "hello", "timeout": "100", "jobtype": "demo",
    "payload": "/bin/echo hello from p3s", "priority": "1", "state": "defined" } ]
JSON
p3s job submit hello.json --wait`}
      </pre>
      <p>
        The job appears here within seconds. <code>p3s pilots start -n 4</code> adds pilots;{' '}
        <code>p3s workflow create DAG -s defined</code> runs a DAG of jobs.
      </p>
    </Empty>
  );
}

/**
 * The page for one thing (a job, a pilot, a workflow, a DAG) that does not exist: 404 with a link
 * to the whole list. When `unavailable` names the API this server lacks, it says so instead (200).
 */
export function missingPage(props: {
  nav: NavKey;
  /** The page heading, e.g. `Job 12`; also the document title unless `title` is given. */
  heading: string;
  title?: string;
  /** e.g. `There is no job 12.` */
  message: string;
  list: { href: string; label: string };
  unavailable?: string;
}): PageResult {
  return {
    title: props.title ?? props.heading,
    nav: props.nav,
    status: props.unavailable === undefined ? 404 : 200,
    body: (
      <>
        <PageHead title={props.heading} />
        {props.unavailable === undefined ? (
          <Empty>
            <p>
              {props.message} <a href={props.list.href}>{props.list.label}</a>
            </p>
          </Empty>
        ) : (
          <NotAvailable what={props.unavailable} />
        )}
      </>
    ),
  };
}

export function NotAvailable({ what }: { what: string }) {
  return (
    <Empty>
      <h2>Not available in this version</h2>
      <p>This p3s server has no API for {what} yet.</p>
    </Empty>
  );
}

export function ErrorBanner({ message }: { message: string }) {
  return (
    <div class="error-banner" role="alert">
      {message}
    </div>
  );
}

export interface PagerProps {
  total: number;
  /** False when the count stopped early: more than `total` match, and the last page is unknown. */
  totalExact?: boolean;
  limit: number;
  offset: number;
  href: (offset: number) => string;
  /** The region a page link replaces (the list with its filter form). */
  target: string;
}

/** Previous/next links and where this page sits in the total. */
export function Pager(props: PagerProps) {
  const { total, limit, offset, target } = props;
  const exact = props.totalExact ?? true;
  if (total === 0) return null;
  const last = Math.min(offset + limit, total);
  const lastPage = Math.max(0, Math.floor((total - 1) / limit) * limit);
  return (
    <nav class="pager" aria-label="pages">
      <span>
        {formatCount(offset + 1)}–{formatCount(last)} of {exact ? '' : 'more than '}
        {formatCount(total)}
      </span>
      {offset > 0 ? (
        <PartLink href={props.href(0)} target={target}>
          « first
        </PartLink>
      ) : (
        <span class="muted">« first</span>
      )}
      {offset > 0 ? (
        <PartLink href={props.href(Math.max(0, offset - limit))} target={target}>
          ‹ previous
        </PartLink>
      ) : (
        <span class="muted">‹ previous</span>
      )}
      {last < total ? (
        <PartLink href={props.href(offset + limit)} target={target}>
          next ›
        </PartLink>
      ) : (
        <span class="muted">next ›</span>
      )}
      {last < total && exact ? (
        <PartLink href={props.href(lastPage)} target={target}>
          last »
        </PartLink>
      ) : (
        <span class="muted">last »</span>
      )}
    </nav>
  );
}

/** A column header that sorts by `key`; a second click reverses the order. */
export function SortHeader(props: {
  label: string;
  sortKey: string;
  sort: string;
  order: 'asc' | 'desc';
  href: (sort: string, order: 'asc' | 'desc') => string;
  target: string;
  class?: string;
}) {
  const active = props.sort === props.sortKey;
  const next = active && props.order === 'asc' ? 'desc' : 'asc';
  return (
    <th
      class={props.class}
      aria-sort={active ? (props.order === 'asc' ? 'ascending' : 'descending') : undefined}
    >
      <PartLink
        href={props.href(props.sortKey, active ? next : defaultOrder(props.sortKey))}
        target={props.target}
        class="sort"
      >
        {props.label}
        {active ? (props.order === 'asc' ? ' ▲' : ' ▼') : ''}
      </PartLink>
    </th>
  );
}

/** Numbers and times read best newest/largest first; names and states alphabetically. */
function defaultOrder(key: string): 'asc' | 'desc' {
  return ['name', 'state', 'jobtype', 'user'].includes(key) ? 'asc' : 'desc';
}

/** A titled box on a page. */
export function Card(props: { title: ComponentChildren; id?: string; children: ComponentChildren }) {
  return (
    <section id={props.id} class="card">
      <h2>{props.title}</h2>
      {props.children}
    </section>
  );
}

/** A column head: its label, its label and class (`num` right-aligns), or a whole <th> (e.g. SortHeader). */
export type Column = string | readonly [label: string, cls?: string] | VNode;

/** A table with a row of column heads, scrolling sideways on a narrow screen; `children` are its rows. */
export function Table(props: { class?: string; columns: readonly Column[]; children: ComponentChildren }) {
  return (
    <div class="table-wrap">
      <table class={props.class}>
        <thead>
          <tr>
            {props.columns.map((column) => {
              if (isValidElement(column)) return column;
              const [label, cls]: readonly [string, string?] = typeof column === 'string' ? [column] : column;
              return (
                <th key={label} class={cls}>
                  {label}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>{props.children}</tbody>
      </table>
    </div>
  );
}

export function KeyValues({ rows }: { rows: [string, ComponentChildren][] }) {
  return (
    <dl class="kv">
      {rows.map(([key, value]) => (
        <div key={key}>
          <dt>{key}</dt>
          <dd>{value ?? <Dash />}</dd>
        </div>
      ))}
    </dl>
  );
}

/** A horizontal bar split by state, e.g. a workflow's jobs. */
export function StateBar({ counts, states }: { counts: Record<string, number>; states: readonly string[] }) {
  const total = states.reduce((sum, s) => sum + (counts[s] ?? 0), 0);
  if (total === 0) return <div class="statebar empty-bar" />;
  return (
    <div class="statebar" title={states.map((s) => `${s}: ${counts[s] ?? 0}`).join(', ')}>
      {states.map((s) =>
        counts[s] ? (
          <span key={s} class={`state-${s}`} style={{ width: `${(100 * (counts[s] ?? 0)) / total}%` }} />
        ) : null,
      )}
    </div>
  );
}

/** Text or a muted dash. */
export function Maybe({ value }: { value: string | number | null | undefined }) {
  return value === null || value === undefined || value === '' ? <Dash /> : <span>{value}</span>;
}
