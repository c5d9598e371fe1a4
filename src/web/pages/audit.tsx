// /audit: the audit trail for admins: who created, changed, killed, retried or deleted what and
// when, and which changes were refused; filtered by actor, action, object and outcome, paged.

import { ROUTES } from '../../protocol/routes.ts';
import type { AuditEventWire, AuditQuery } from '../../protocol/schemas/auth.ts';
import { Empty, Live, Maybe, PageHead, Table, Time } from '../components.tsx';
import { FilterForm, ListResults } from '../list-view.tsx';
import { apiUrl, loadList } from '../monitor-api.ts';
import {
  choice,
  one,
  type PageContext,
  type PageResult,
  pageUrl,
  pagingParams,
  readPaging,
} from '../page.ts';
import { loginUrl } from '../session.ts';

const OUTCOMES = ['', 'ok', 'denied'] as const;

export async function auditPage(ctx: PageContext): Promise<PageResult> {
  if (ctx.viewer?.role !== 'admin') return forbidden(ctx);
  const view = {
    actor: one(ctx.query, 'actor'),
    action: one(ctx.query, 'action'),
    objectType: one(ctx.query, 'objectType'),
    objectId: one(ctx.query, 'objectId'),
    outcome: choice(ctx.query, 'outcome', OUTCOMES, ''),
    ...readPaging(ctx.query),
  };
  const urlOf = (change: Partial<typeof view> = {}) => {
    const v = { ...view, ...change };
    return pageUrl('/audit', {
      actor: v.actor,
      action: v.action,
      objectType: v.objectType,
      objectId: v.objectId,
      outcome: v.outcome,
      ...pagingParams(v),
    });
  };
  const query: AuditQuery = {
    actor: view.actor,
    action: view.action,
    objectType: view.objectType,
    objectId: view.objectId,
    outcome: view.outcome || undefined,
    limit: view.limit,
    offset: view.offset,
  };
  const { list, problem } = await loadList(() => ctx.api.audit(query));
  const filtered = Boolean(view.actor || view.action || view.objectType || view.objectId || view.outcome);
  return {
    title: 'Audit',
    nav: 'audit',
    url: urlOf(),
    body: (
      <>
        <PageHead title="Audit trail" />
        <div id="audit">
          <FilterForm
            path="/audit"
            target="audit"
            fields={[
              { name: 'actor', label: 'Actor', value: view.actor, placeholder: 'token name' },
              { name: 'action', label: 'Action', value: view.action, placeholder: 'e.g. job.kill' },
              { name: 'objectType', label: 'Object', value: view.objectType, placeholder: 'e.g. job' },
              { name: 'objectId', label: 'Object id', value: view.objectId },
            ]}
          >
            <label>
              Outcome
              <select name="outcome">
                {OUTCOMES.map((o) => (
                  <option key={o} value={o} selected={view.outcome === o}>
                    {o || 'any'}
                  </option>
                ))}
              </select>
            </label>
          </FilterForm>
          <Live url={urlOf()} json={apiUrl(ROUTES.audit, { ...query })} now={ctx.now}>
            <ListResults
              list={list}
              problem={problem}
              noun="entry"
              nouns="entries"
              paging={{
                limit: view.limit,
                offset: view.offset,
                href: (offset) => urlOf({ offset }),
                target: 'audit',
              }}
              pagerBelow
              empty={
                <Empty>
                  <p>
                    {filtered
                      ? 'No entry matches these filters.'
                      : 'Nothing recorded yet: every change made through the API (and every refused one) appears here.'}
                  </p>
                </Empty>
              }
              table={(l) => <AuditTable events={l.events} />}
            />
          </Live>
        </div>
      </>
    ),
  };
}

/** What non-admins get: the API would refuse them the trail, so the page says so without asking. */
function forbidden(ctx: PageContext): PageResult {
  return {
    title: 'Audit',
    nav: 'audit',
    status: 403,
    body: (
      <>
        <PageHead title="Audit trail" />
        <Empty>
          <h2>For admins only</h2>
          {ctx.viewer === null ? (
            <p>
              The audit trail needs an admin token. <a href={loginUrl('/audit')}>Log in</a> with one.
            </p>
          ) : (
            <p>
              The audit trail needs an admin token; you are logged in as "{ctx.viewer.name}" with a{' '}
              {ctx.viewer.role} token. <code>p3s audit</code> with an admin token shows it too.
            </p>
          )}
        </Empty>
      </>
    ),
  };
}

/** The page of the object an entry is about, where the monitor has one. */
function objectHref(type: string, id: string): string | null {
  const enc = encodeURIComponent(id);
  if (type === 'job' && /^\d+$/.test(id)) return `/jobs/${id}`;
  if (type === 'workflow' && /^\d+$/.test(id)) return `/workflows/${id}`;
  if (type === 'pilot') return `/pilots/${enc}`;
  if (type === 'dag') return `/dags/${enc}`;
  return null;
}

function AuditTable({ events }: { events: AuditEventWire[] }) {
  return (
    <Table class="audit" columns={['Time', 'Actor', 'Role', 'Action', 'Object', 'Outcome', 'Detail']}>
      {events.map((e) => {
        const href = e.objectId === null ? null : objectHref(e.objectType, e.objectId);
        return (
          <tr key={e.id} data-audit={e.id} data-outcome={e.outcome}>
            <td>
              <Time ms={e.at} />
            </td>
            <td>
              <a href={pageUrl('/audit', { actor: e.actor })}>{e.actor}</a>
            </td>
            <td>{e.role}</td>
            <td>
              <code>{e.action}</code>
            </td>
            <td>
              {e.objectType}
              {e.objectId !== null && (
                <> {href ? <a href={href}>{e.objectId}</a> : <code>{e.objectId}</code>}</>
              )}
            </td>
            <td>
              <span class={`outcome outcome-${e.outcome}`}>{e.outcome}</span>
            </td>
            <td class="diag">
              <Maybe value={e.detail} />
            </td>
          </tr>
        );
      })}
    </Table>
  );
}
