// Retry rule routes: list and show (whoever may read jobs), add and delete (admins). The store
// applies the rules when a job fails (store/reports/end-attempt.ts); these only keep them.

import {
  type FieldIssue,
  NotFoundError,
  type RetryRuleSpec,
  retryRuleIssues,
  ValidationError,
} from '../../core/index.ts';
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

/** Rule ids are 32-bit integers in both databases: a larger number names no rule. */
const MAX_RULE_ID = 2_147_483_647;

/** A rule's reference in a path: digits are its id (null when out of range), anything else its name. */
export function ruleRef(text: string): number | string | null {
  // PostgreSQL text holds no NUL: such a name names no rule.
  if (!/^\d+$/.test(text)) return text.includes('\0') ? null : text;
  const id = Number(text);
  return id <= MAX_RULE_ID ? id : null;
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
      const ref = ruleRef(request.params.rule);
      const rule = ref === null ? undefined : await rules.getRetryRule(ref);
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
      // A URL path would take them for directories: the rule could not be shown or deleted by name.
      if (spec.name === '.' || spec.name === '..')
        issues.unshift({ path: '/body/name', message: 'must not be . or ..' });
      issues.unshift(...nulIssues(spec));
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
      const rule = ref === null ? undefined : await rules.getRetryRule(ref);
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

/** Text PostgreSQL cannot store: a NUL in the name or a match field. */
function nulIssues(spec: RetryRuleSpec): FieldIssue[] {
  const { match } = spec;
  const texts: [string, string | null][] = [
    ['/body/name', spec.name],
    ['/body/match/signal', match.signal],
    ['/body/match/diagPattern', match.diagPattern],
    ['/body/match/jobType', match.jobType],
    ['/body/match/site', match.site],
  ];
  return texts
    .filter(([, text]) => text?.includes('\0'))
    .map(([path]) => ({ path, message: 'must not contain a NUL character' }));
}
