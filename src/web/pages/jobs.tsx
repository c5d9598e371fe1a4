// /jobs: every job, filtered by state, user, type, site, workflow, pilot, name pattern, error and
// time window, sortable and paged; the URL holds the whole view so it can be shared.

import { ApiError } from '../../protocol/client.ts';
import { ROUTES } from '../../protocol/routes.ts';
import type { JobList } from '../../protocol/schemas/jobs.ts';
import { Empty, ErrorBanner, HowToSubmit, Live, PageHead, Pager, PartLink } from '../components.tsx';
import { formatCount } from '../format.ts';
import {
  isFiltered,
  JOB_ERROR_NAMES,
  JOB_STATES,
  type JobsView,
  jobsApiQuery,
  jobsViewUrl,
  PAGE_SIZES,
  parseJobsView,
  WINDOW_CHOICES,
} from '../job-filters.ts';
import { JobTable } from '../job-table.tsx';
import { apiUrl } from '../monitor-api.ts';
import type { PageContext, PageResult } from '../page.ts';

export async function jobsPage(ctx: PageContext): Promise<PageResult> {
  const view = parseJobsView(ctx.query);
  const apiQuery = jobsApiQuery(view, ctx.now);
  const url = jobsViewUrl(view);
  let list: JobList | undefined;
  let problem: string | undefined;
  try {
    list = await ctx.api.listJobs(apiQuery);
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 400) throw error;
    problem = error.message;
  }
  return {
    title: 'Jobs',
    nav: 'jobs',
    url,
    body: (
      <>
        <PageHead title="Jobs" />
        <div id="jobs">
          <Filters view={view} />
          <Live url={url} json={apiUrl(ROUTES.jobs, { ...apiQuery })} now={ctx.now}>
            {problem !== undefined && <ErrorBanner message={problem} />}
            {list && <Results view={view} list={list} now={ctx.now} />}
          </Live>
        </div>
      </>
    ),
  };
}

function Results({ view, list, now }: { view: JobsView; list: JobList; now: number }) {
  if (list.total === 0 && !isFiltered(view)) return <HowToSubmit />;
  if (list.total === 0) {
    return (
      <Empty>
        <p>
          No job matches these filters.{' '}
          <PartLink href="/jobs" target="jobs">
            Show all jobs
          </PartLink>
        </p>
      </Empty>
    );
  }
  const pager = (
    <Pager
      total={list.total}
      limit={view.limit}
      offset={view.offset}
      href={(offset) => jobsViewUrl(view, { offset })}
      target="jobs"
    />
  );
  return (
    <>
      <div class="table-head">
        <strong>{formatCount(list.total)}</strong> {list.total === 1 ? 'job' : 'jobs'}
        {pager}
      </div>
      <JobTable
        jobs={list.jobs}
        now={now}
        sort={{
          sort: view.sort,
          order: view.order,
          href: (sort, order) => jobsViewUrl(view, { sort: sort as JobsView['sort'], order, offset: 0 }),
          target: 'jobs',
        }}
      />
      <div class="table-foot">{pager}</div>
    </>
  );
}

/** The filter form: any change reloads the table region (htmx) and the URL follows. */
function Filters({ view }: { view: JobsView }) {
  const text = (name: string, label: string, value: string | number | undefined, placeholder = '') => (
    <label>
      {label}
      <input type="search" name={name} value={value ?? ''} placeholder={placeholder} />
    </label>
  );
  return (
    <form
      class="filters"
      action="/jobs"
      method="get"
      hx-get="/jobs"
      hx-trigger="change, submit"
      hx-sync="this:replace"
      hx-target="#jobs"
      hx-select="#jobs"
      hx-swap="outerHTML"
      hx-push-url="true"
    >
      <fieldset class="states">
        <legend>State</legend>
        {JOB_STATES.map((state) => (
          <label key={state} class={`chip state-${state}`}>
            <input type="checkbox" name="state" value={state} checked={view.states.includes(state)} />
            {state}
          </label>
        ))}
      </fieldset>
      <div class="fields">
        {text('name', 'Name', view.name, 'glob, e.g. reco-*')}
        {text('user', 'User', view.user)}
        {text('jobtype', 'Type', view.jobtype)}
        {text('site', 'Site', view.site)}
        {text('workflow', 'Workflow', view.workflow, 'id')}
        {text('pilot', 'Pilot', view.pilot, 'id')}
        <label>
          Error
          <select name="error">
            <option value="">any</option>
            {JOB_ERROR_NAMES.map((name) => (
              <option key={name} value={name} selected={view.error === name}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Within
          <select name="window">
            <option value="">any time</option>
            {[...new Set([...WINDOW_CHOICES, ...(view.window ? [view.window] : [])])].map((w) => (
              <option key={w} value={w} selected={view.window === w}>
                last {w}
              </option>
            ))}
          </select>
        </label>
        <label>
          of
          <select name="time">
            {(['updated', 'created', 'ended'] as const).map((t) => (
              <option key={t} value={t} selected={view.time === t}>
                {t === 'updated' ? 'last change' : t === 'created' ? 'submission' : 'end'}
              </option>
            ))}
          </select>
        </label>
        <label>
          Per page
          <select name="limit">
            {[...new Set([...PAGE_SIZES, view.limit])].map((n) => (
              <option key={n} value={n} selected={view.limit === n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        {view.sort !== 'id' && <input type="hidden" name="sort" value={view.sort} />}
        {view.order !== 'desc' && <input type="hidden" name="order" value={view.order} />}
        <button type="submit">Filter</button>
        <PartLink href="/jobs" target="jobs" class="clear">
          clear
        </PartLink>
      </div>
    </form>
  );
}
