// The parts every list page (jobs, pilots, workflows, datasets) is made of: the filter form above,
// and in the live region below it the API's complaint, the empty state, or the count, the pager and
// the table. The form, the pager and the clear link all replace the same region: the page's list.

import type { ComponentChildren } from 'preact';
import { ErrorBanner, Pager, type PagerProps, PartLink } from './components.tsx';
import { formatCount } from './format.ts';

/** A search field of a filter form. */
export interface FilterField {
  name: string;
  label: string;
  value: string | number | undefined;
  placeholder?: string;
}

/**
 * A list page's filter form: state chips, search fields and `children` (further controls, before the
 * Filter button). Any change reloads the region `target` with htmx and the URL follows; without
 * JavaScript it is a plain GET form.
 */
export function FilterForm(props: {
  /** The page's path: where the form goes and what "clear" leads to. */
  path: string;
  /** Id of the region the form replaces. */
  target: string;
  states?: { all: readonly string[]; selected: readonly string[] };
  fields: readonly FilterField[];
  children?: ComponentChildren;
}) {
  const { path, target, states } = props;
  return (
    <form
      class="filters"
      action={path}
      method="get"
      hx-get={path}
      hx-trigger="change, submit"
      hx-sync="this:replace"
      hx-target={`#${target}`}
      hx-select={`#${target}`}
      hx-swap="outerHTML"
      hx-push-url="true"
    >
      {states && (
        <fieldset class="states">
          <legend>State</legend>
          {states.all.map((state) => (
            <label key={state} class={`chip state-${state}`}>
              <input type="checkbox" name="state" value={state} checked={states.selected.includes(state)} />
              {state}
            </label>
          ))}
        </fieldset>
      )}
      <div class="fields">
        {props.fields.map((field) => (
          <label key={field.name}>
            {field.label}
            <input
              type="search"
              name={field.name}
              value={field.value ?? ''}
              placeholder={field.placeholder}
            />
          </label>
        ))}
        {props.children}
        <button type="submit">Filter</button>
        <PartLink href={path} target={target} class="clear">
          clear
        </PartLink>
      </div>
    </form>
  );
}

/**
 * A list page's results: the API's message for a filter it refused, `empty` for an empty list, or
 * the count (`noun`/`nouns`) with the pager and `table` (and the pager again below with `pagerBelow`).
 */
export function ListResults<L extends { total: number; totalExact?: boolean }>(props: {
  list: L | undefined;
  problem: string | undefined;
  noun: string;
  nouns?: string;
  paging: Omit<PagerProps, 'total' | 'totalExact'>;
  empty: ComponentChildren;
  table: (list: L) => ComponentChildren;
  pagerBelow?: boolean;
}) {
  const { list, problem } = props;
  const pager = list && <Pager total={list.total} totalExact={list.totalExact} {...props.paging} />;
  return (
    <>
      {problem !== undefined && <ErrorBanner message={problem} />}
      {list && list.total === 0 && props.empty}
      {list && list.total > 0 && (
        <>
          <div class="table-head">
            {list.totalExact === false && 'more than '}
            <strong>{formatCount(list.total)}</strong>{' '}
            {list.total === 1 ? props.noun : (props.nouns ?? `${props.noun}s`)}
            {pager}
          </div>
          {props.table(list)}
          {props.pagerBelow && <div class="table-foot">{pager}</div>}
        </>
      )}
    </>
  );
}
