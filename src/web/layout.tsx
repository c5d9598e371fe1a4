// The page shell: head with the assets (htmx, uPlot, the monitor's own CSS and script), the top
// navigation with who is logged in, and the main column. Served as a complete HTML document.

import { type ComponentChildren, Fragment, h } from 'preact';
import { renderToString } from 'preact-render-to-string';
import { loginUrl, type Viewer } from './session.ts';

export const NAV = [
  ['overview', '/', 'Overview'],
  ['jobs', '/jobs', 'Jobs'],
  ['pilots', '/pilots', 'Pilots'],
  ['workflows', '/workflows', 'Workflows'],
  ['dags', '/dags', 'DAGs'],
  ['datasets', '/datasets', 'Datasets'],
  ['sites', '/sites', 'Sites'],
  ['retry-rules', '/retry-rules', 'Retry rules'],
  ['workers', '/workers', 'Workers'],
  ['audit', '/audit', 'Audit'],
] as const;
export type NavKey = (typeof NAV)[number][0];

/** Pages in the navigation of admins only (the API refuses them to others anyway). */
const ADMIN_NAV: readonly NavKey[] = ['audit'];

export interface ShellInfo {
  /** p3s version: shown in the footer and used to bust cached assets. */
  version: string;
  store: string;
}

/** Who looks at the page, for the header: the viewer (or null) and the path a "Log in" link returns to. */
export interface ShellViewer {
  viewer: Viewer | null;
  /** The page's path and query. */
  here: string;
  /** Hide the "Log in" link (on the login page itself). */
  noLoginLink?: boolean;
}

function Who({ session }: { session: ShellViewer }) {
  const { viewer } = session;
  if (viewer === null)
    return session.noLoginLink ? null : (
      <a class="login-link" href={loginUrl(session.here)}>
        Log in
      </a>
    );
  return (
    <span class="who">
      <span class="viewer" title={`logged in with the ${viewer.role} token "${viewer.name}"`}>
        {viewer.name} <span class={`role role-${viewer.role}`}>{viewer.role}</span>
      </span>
      <form class="logout" method="post" action="/logout">
        <button type="submit">Log out</button>
      </form>
    </span>
  );
}

function Document(props: {
  title: string;
  nav: NavKey | null;
  info: ShellInfo;
  session: ShellViewer;
  charts: boolean;
  children: ComponentChildren;
}) {
  const admin = props.session.viewer?.role === 'admin';
  const v = encodeURIComponent(props.info.version);
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="htmx-config" content='{"historyCacheSize": 0, "defaultSettleDelay": 0}' />
        <title>{`${props.title} · p3s`}</title>
        <link rel="stylesheet" href={`/assets/monitor.css?v=${v}`} />
        {props.charts && <link rel="stylesheet" href={`/assets/uPlot.min.css?v=${v}`} />}
        <script src={`/assets/htmx.min.js?v=${v}`} defer />
        {props.charts && <script src={`/assets/uPlot.iife.min.js?v=${v}`} defer />}
        <script src={`/assets/monitor.js?v=${v}`} defer />
      </head>
      <body>
        <header class="top">
          <a class="brand" href="/">
            p3s
          </a>
          <nav>
            {NAV.filter(([key]) => admin || !ADMIN_NAV.includes(key)).map(([key, href, label]) => (
              <a key={key} href={href} class={key === props.nav ? 'active' : undefined}>
                {label}
              </a>
            ))}
          </nav>
          <span class="server-info">
            {props.info.store} · v{props.info.version}
          </span>
          <Who session={props.session} />
        </header>
        <main>{props.children}</main>
      </body>
    </html>
  );
}

export function renderDocument(options: {
  title: string;
  nav: NavKey | null;
  info: ShellInfo;
  session: ShellViewer;
  charts?: boolean;
  body: ComponentChildren;
}): string {
  return `<!DOCTYPE html>\n${renderToString(
    <Document
      title={options.title}
      nav={options.nav}
      info={options.info}
      session={options.session}
      charts={options.charts ?? false}
    >
      {options.body}
    </Document>,
  )}`;
}

/** A fragment without the shell (answers to htmx requests that swap part of a page). */
export function renderFragment(body: ComponentChildren): string {
  return renderToString(h(Fragment, null, body));
}
