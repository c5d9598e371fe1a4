// Retry rules for tests that look at a failure as it is: without the shipped rules, a lost or
// stopped pilot's job stays failed instead of being tried again.

import type { Store } from '../../src/store/index.ts';

/** Removes every retry rule (the shipped defaults included); answers the store. */
export async function withoutRetryRules(opening: Store | Promise<Store>): Promise<Store> {
  const store = await opening;
  for (const rule of await store.retryRules.listRetryRules()) await store.retryRules.deleteRetryRule(rule.id);
  return store;
}

/** The same through a real server, as an admin would with the CLI. */
export async function deleteRetryRulesWithCli(cluster: {
  // biome-ignore lint/suspicious/noExplicitAny: API answers in tests are arbitrary JSON
  json(args: string[]): Promise<any>;
}): Promise<void> {
  for (const rule of (await cluster.json(['retry-rule', 'list'])).rules as { id: number }[])
    await cluster.json(['retry-rule', 'delete', String(rule.id)]);
}
