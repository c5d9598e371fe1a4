// /retry-rules: the automatic retry rules, read-only (admins change them with `p3s retry-rule`),
// so whoever wonders why a failed job was (not) tried again sees what decides.

import { describeDelay, describeIncrease, describeMatch } from '../../core/index.ts';
import { ROUTES } from '../../protocol/routes.ts';
import type { RetryRuleWire } from '../../protocol/schemas/retry-rules.ts';
import { Empty, Live, NotAvailable, PageHead, Table, Time } from '../components.tsx';
import { isMissingRoute } from '../monitor-api.ts';
import type { PageContext, PageResult } from '../page.ts';

export async function retryRulesPage(ctx: PageContext): Promise<PageResult> {
  let rules: RetryRuleWire[] | undefined;
  try {
    rules = (await ctx.api.listRetryRules()).rules;
  } catch (error) {
    if (!isMissingRoute(error)) throw error;
  }
  const head = <PageHead title="Retry rules" />;
  if (!rules) {
    const body = (
      <>
        {head}
        <NotAvailable what="retry rules" />
      </>
    );
    return { title: 'Retry rules', nav: 'retry-rules', body };
  }
  return {
    title: 'Retry rules',
    nav: 'retry-rules',
    body: (
      <>
        {head}
        <p class="muted">
          A failed attempt is matched against these rules: the most specific matching rule decides (the one
          that names the most fields), between equals the newest. Admins change them with{' '}
          <code>p3s retry-rule add|delete</code>.
        </p>
        <Live url="/retry-rules" json={ROUTES.retryRules} now={ctx.now}>
          {rules.length === 0 ? (
            <Empty>
              <h2>No retry rules</h2>
              <p>
                Failed jobs stay failed until someone retries them. Add a rule with{' '}
                <code>p3s retry-rule add NAME --action retry --error lost</code>.
              </p>
            </Empty>
          ) : (
            <Table
              class="retry-rules"
              columns={[
                ['Id', 'num'],
                'Name',
                'Match',
                'Action',
                ['Attempts', 'num'],
                'Delay',
                'Factor/cap',
                'Log only',
                'Created by',
                'Created',
              ]}
            >
              {rules.map((rule) => (
                <tr key={rule.id}>
                  <td class="num">{rule.id}</td>
                  <td>
                    <strong>{rule.name}</strong>
                  </td>
                  <td>
                    <code>{describeMatch(rule.match)}</code>
                  </td>
                  <td>{rule.action}</td>
                  <td class="num">{rule.maxAttempts}</td>
                  <td>{describeDelay(rule)}</td>
                  <td>{describeIncrease(rule)}</td>
                  <td>{rule.logOnly ? 'yes' : 'no'}</td>
                  <td>{rule.createdBy}</td>
                  <td>
                    <Time ms={rule.createdAt} />
                  </td>
                </tr>
              ))}
            </Table>
          )}
        </Live>
      </>
    ),
  };
}
