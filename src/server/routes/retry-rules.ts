// Retry rule routes: list and show (whoever may read jobs), add and delete (admins). The store
// applies the rules when a job fails (store/reports/end-attempt.ts); these only keep them.

import { NotFoundError, retryRuleIssues, ValidationError } from '../../core/index.ts';
import { ROUTES } from '../../protocol/routes.ts';
import {
  AddRetryRuleBody,
  DeletedReply,
  RetryRuleList,
  RetryRuleParams,
  RetryRuleReply,
  retryRuleSpecOf,
} from '../../protocol/schemas/retry-rules.ts';
import type { AppContext, TypedApp } from '../app.ts';
import { principalOf } from '../auth/auth-guard.ts';

/** A rule's reference in a path: digits are its id, anything else its name. */
export function ruleRef(text: string): number | string {
  return /^\d+$/.test(text) ? Number(text) : text;
}

export function registerRetryRuleRoutes(app: TypedApp, ctx: AppContext): void {
  const rules = ctx.store.retryRules;

  app.get(ROUTES.retryRules, { schema: { response: { 200: RetryRuleList } } }, async () => ({
    rules: await rules.listRetryRules(),
  }));

  app.get(
    ROUTES.retryRule,
    { schema: { params: RetryRuleParams, response: { 200: RetryRuleReply } } },
    async (request) => {
      const rule = await rules.getRetryRule(ruleRef(request.params.rule));
      if (!rule) throw new NotFoundError('retry rule', JSON.stringify(request.params.rule));
      return { rule };
    },
  );

  app.post(
    ROUTES.retryRules,
    { schema: { body: AddRetryRuleBody, response: { 201: RetryRuleReply } } },
    async (request, reply) => {
      const spec = retryRuleSpecOf(request.body);
      // Paths relative to the body, as the schema's own errors name them.
      const issues = retryRuleIssues(spec).map((issue) => ({ ...issue, path: `/body${issue.path}` }));
      // Digits in a path are an id: a name of digits could never be shown or deleted by name.
      if (/^\d+$/.test(spec.name))
        issues.unshift({ path: '/body/name', message: 'must not be a number (numbers are rule ids)' });
      const [first] = issues;
      if (first) throw new ValidationError(`${first.path}: ${first.message}`, issues);
      const rule = await rules.addRetryRule(spec, principalOf(request).name, ctx.now());
      await ctx.audit(request, {
        action: 'retry_rule.create',
        objectType: 'retry_rule',
        objectId: rule.id,
        detail: `"${rule.name}": ${rule.action}${rule.logOnly ? ' (log only)' : ''}`,
      });
      return reply.status(201).send({ rule });
    },
  );

  app.delete(
    ROUTES.retryRule,
    { schema: { params: RetryRuleParams, response: { 200: DeletedReply } } },
    async (request) => {
      const ref = ruleRef(request.params.rule);
      const rule = await rules.getRetryRule(ref);
      if (!rule || !(await rules.deleteRetryRule(rule.id)))
        throw new NotFoundError('retry rule', JSON.stringify(request.params.rule));
      await ctx.audit(request, {
        action: 'retry_rule.delete',
        objectType: 'retry_rule',
        objectId: rule.id,
        detail: `"${rule.name}"`,
      });
      return { deleted: true as const };
    },
  );
}
