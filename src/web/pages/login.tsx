// /login: a form that takes a token and keeps it in the session cookie (routes/login.ts sets
// it after the API accepted the token). Says where tokens come from; never shows one.

import type { ReadPolicy } from '../../core/index.ts';
import { ErrorBanner, PageHead } from '../components.tsx';
import type { PageResult } from '../page.ts';
import type { Viewer } from '../session.ts';

export function loginPage(props: {
  /** Where to go after logging in (already made safe). */
  next: string;
  viewer: Viewer | null;
  readPolicy: ReadPolicy;
  /** Why the page is shown (a session that ended, a logout). */
  notice?: string;
  /** Why the last attempt failed. */
  error?: string;
  status?: number;
}): PageResult {
  const { viewer } = props;
  return {
    title: 'Log in',
    nav: null,
    status: props.status,
    body: (
      <>
        <PageHead title="Log in" />
        <section class="card login">
          {props.error && <ErrorBanner message={props.error} />}
          {props.notice && !props.error && <div class="notice">{props.notice}</div>}
          {viewer && (
            <p>
              You are logged in as <strong>{viewer.name}</strong> ({viewer.role}). Log in with another token
              to switch.
            </p>
          )}
          <form class="login-form" method="post" action="/login">
            <input type="hidden" name="next" value={props.next} />
            <label>
              Token
              <input
                type="password"
                name="token"
                required
                autofocus
                autocomplete="off"
                spellcheck={false}
                placeholder="p3s_…"
              />
            </label>
            <button type="submit">Log in</button>
          </form>
          <h2>Where tokens come from</h2>
          <ul>
            <li>
              An admin creates one for you with <code>p3s token create --role user --name YOU</code> (a user
              token lets you kill and retry your own jobs; an admin token everything, and shows the audit
              trail).
            </li>
            <li>
              On the server's machine, the local admin token is in the file{' '}
              <code>&lt;data dir&gt;/admin.token</code> (written by the server at its first start).
            </li>
          </ul>
          <p class="muted">
            {props.readPolicy === 'open'
              ? 'This server lets anyone who can reach it read; logging in adds the buttons your token allows. '
              : 'This server shows jobs, pilots and workflows only to those with a user or admin token. '}
            The token is kept in a cookie that page scripts cannot read and other sites cannot send; log out
            removes it. Pilot tokens cannot log in.
          </p>
        </section>
      </>
    ),
  };
}
