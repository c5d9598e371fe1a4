import { h } from 'preact';
import { renderToString } from 'preact-render-to-string';
import { describe, expect, it } from 'vitest';
import { Pager } from './components.tsx';
import { ListResults } from './list-view.tsx';

// Rendered by calling the component: unit tests are .ts files.

const paging = { limit: 50, offset: 100, href: (offset: number) => `/jobs?offset=${offset}`, target: 'jobs' };
const text = (html: string) => html.replace(/<[^>]+>/g, '').replace(/&#?\w+;/g, ' ');

describe('the pager', () => {
  it('places the page in an exact total, with a link to the last page', () => {
    const html = renderToString(h(Pager, { ...paging, total: 1234 }));
    expect(text(html)).toContain('101–150 of 1,234');
    expect(html).toContain('href="/jobs?offset=150"');
    expect(html).toContain('href="/jobs?offset=1200"');
  });

  it('says "more than" when the count stopped early, and offers next but no last page', () => {
    const html = renderToString(h(Pager, { ...paging, total: 10_150, totalExact: false }));
    expect(text(html)).toContain('101–150 of more than 10,150');
    expect(html).toContain('href="/jobs?offset=150"');
    expect(html).not.toContain('href="/jobs?offset=10100"');
    expect(html).toMatch(/<span class="muted">last »<\/span>/);
  });
});

describe('list results', () => {
  const render = (total: number, totalExact?: boolean) =>
    text(
      renderToString(
        h(ListResults<{ total: number; totalExact?: boolean }>, {
          list: { total, totalExact },
          problem: undefined,
          noun: 'job',
          paging,
          empty: 'nothing',
          table: () => null,
        }),
      ),
    );

  it('heads the table with the count, "more than" when it is a lower bound', () => {
    expect(render(1)).toMatch(/^1 job/);
    expect(render(1234, true)).toMatch(/^1,234 jobs/);
    expect(render(10_150, false)).toMatch(/^more than 10,150 jobs/);
    expect(render(1, false)).toMatch(/^more than 1 job(?!s)/);
  });
});
