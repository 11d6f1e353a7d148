/**
 * Privacy-officer resolvers: the decision log (filtered, either order, and counted for charts), its verification,
 * signed tree heads, inclusion proofs, budgets, consent and the contracts. Reading the log is itself a decision and
 * is audited.
 */
import type { GatewayContext } from '../context.ts';
import { GatewayError } from '../errors.ts';
import { governed } from '../governance.ts';
import type { AuditEntry, ContractView } from '../ports.ts';
import { decodeListCursor, encodeListCursor } from '../subscriptions/cursor.ts';
import { decisionHistogram, listDecisions, parseDecisionFilter } from './decision-query.ts';
import type { DecisionFilterInput } from '../decision-log-api.ts';

/** The public shape of an audit entry. */
export function toPolicyDecision(entry: AuditEntry) {
  return {
    id: entry.id,
    sequence: entry.sequence,
    at: entry.at,
    principal: entry.principal,
    role: entry.role,
    action: entry.action,
    resource: entry.resource,
    effect: entry.effect,
    code: entry.code,
    reasons: entry.reasons,
    contractVersion: entry.contractVersion,
    epsilonSpent: entry.result?.epsilonSpent ?? null,
    rows: entry.result?.rows ?? null,
    suppressedRows: entry.result?.suppressedRows ?? null,
  };
}

/** The public shape of a contract. */
export function toContract(contract: ContractView) {
  return {
    ...contract,
    triggerCategories: contract.triggerCategories === 'all' ? ['all'] : contract.triggerCategories,
    triggerRegions: contract.triggerRegions === 'all' ? ['all'] : contract.triggerRegions,
    rateLimit: contract.requestsPerMinute === null ? null : { requestsPerMinute: contract.requestsPerMinute },
  };
}

/** Privacy-officer queries. */
export const privacyOfficerResolvers = {
  Query: {
    policyDecisions: (
      _root: unknown,
      args: {
        filter?: DecisionFilterInput;
        first?: number;
        after?: string;
        order?: 'OLDEST_FIRST' | 'NEWEST_FIRST';
      },
      context: GatewayContext,
    ) =>
      governed(context, 'decisions.read', { kind: 'audit-log' }, args, async ({ principal }) => {
        const first = args.first ?? 100;
        if (first < 0 || first > 1_000)
          throw new GatewayError('BAD_USER_INPUT', 'first must be 0..1000', { field: 'first' });
        let after: number | undefined;
        if (args.after !== undefined) {
          const decoded = decodeListCursor('decision', args.after);
          if (decoded === null || !/^\d+$/.test(decoded))
            throw new GatewayError('BAD_USER_INPUT', 'malformed cursor', { field: 'after' });
          after = Number(decoded);
        }
        const filter = parseDecisionFilter(args.filter, principal.id);
        const page = await listDecisions(context.services.audit, filter, {
          order: args.order ?? 'OLDEST_FIRST',
          ...(after !== undefined ? { after } : {}),
          first,
        });
        const edges = page.entries.map((entry) => ({
          cursor: encodeListCursor('decision', entry.sequence),
          node: toPolicyDecision(entry),
        }));
        return {
          value: {
            edges,
            pageInfo: {
              hasNextPage: page.hasNextPage,
              // Past the last entry examined, which may lie beyond the last edge when a filter left gaps.
              endCursor:
                page.continueAfter === null ? null : encodeListCursor('decision', page.continueAfter),
            },
          },
          rows: edges.length,
        };
      }),
    decisionHistogram: (
      _root: unknown,
      args: { since: string; until?: string; bucketSeconds?: number; excludeOwnReads?: boolean },
      context: GatewayContext,
    ) =>
      governed(context, 'decisions.read', { kind: 'audit-log' }, args, async ({ principal }) => {
        const histogram = await decisionHistogram(
          context.services.audit,
          {
            since: args.since,
            ...(args.until !== undefined ? { until: args.until } : {}),
            bucketSeconds: args.bucketSeconds ?? 60,
            excludeOwnReads: args.excludeOwnReads ?? false,
            callerId: principal.id,
          },
          context.services.now(),
        );
        return { value: histogram, rows: histogram.buckets.length };
      }),
    privacyBudgets: (_root: unknown, args: unknown, context: GatewayContext) =>
      // Every partner's budget: an owner no partner is, so only host principals are allowed.
      governed(context, 'budget.read', { kind: 'budget', id: '*', ownerId: '*' }, args, async () => {
        const budgets = [];
        for (const contract of context.services.contracts.list()) {
          const status = await context.services.budget.preview(contract.partnerId, contract);
          budgets.push({ partnerId: contract.partnerId, ...status });
        }
        return { value: budgets, rows: budgets.length };
      }),
    consentSummary: (_root: unknown, args: unknown, context: GatewayContext) =>
      governed(context, 'consent.read', { kind: 'consent' }, args, () => ({
        value: context.services.readModels.consentCounts(),
        rows: 1,
      })),
    verifyAuditLog: (_root: unknown, args: unknown, context: GatewayContext) =>
      governed(context, 'audit.verify', { kind: 'audit-log' }, args, async () => ({
        value: await context.services.audit.verify(),
      })),
    signedTreeHead: (_root: unknown, args: unknown, context: GatewayContext) =>
      governed(context, 'audit.sth', { kind: 'audit-log' }, args, async () => ({
        value: await context.services.audit.signedTreeHead(),
      })),
    inclusionProof: (_root: unknown, args: { sequence: number }, context: GatewayContext) =>
      governed(context, 'audit.proof', { kind: 'audit-entry', id: String(args.sequence) }, args, async () => {
        if (args.sequence < 0)
          throw new GatewayError('BAD_USER_INPUT', 'sequence must be >= 0', { field: 'sequence' });
        try {
          return { value: await context.services.audit.inclusionProof(args.sequence) };
        } catch (error) {
          throw new GatewayError('NOT_FOUND', `no entry ${args.sequence}`, {}, error);
        }
      }),
    contracts: (_root: unknown, args: unknown, context: GatewayContext) =>
      governed(context, 'contracts.read', { kind: 'contracts' }, args, () => {
        const all = context.services.contracts.list();
        return { value: all.map(toContract), rows: all.length };
      }),
  },
};
