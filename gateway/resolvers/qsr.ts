/**
 * Restaurant-chain resolvers: cross-industry triggers in the categories and regions the contract names,
 * as a Relay connection.
 */
import type { Trigger } from '../../schema/index.ts';
import type { GatewayContext } from '../context.ts';
import { GatewayError } from '../errors.ts';
import { governed } from '../governance.ts';
import type { ContractView, Principal } from '../ports.ts';
import { decodeListCursor, encodeListCursor } from '../subscriptions/cursor.ts';

const MAX_PAGE = 500;

/** Arguments that narrow triggers. */
export interface TriggerFilterArgs {
  since?: string;
  categories?: string[];
  regions?: string[];
}

/** Whether a trigger is within the contract and the caller's filter. */
export function triggerVisible(
  trigger: Trigger,
  principal: Principal,
  contract: ContractView | undefined,
  args: TriggerFilterArgs,
): boolean {
  if (principal.role !== 'HOST_ADMIN') {
    if (contract === undefined) return false;
    if (contract.triggerCategories !== 'all' && !contract.triggerCategories.includes(trigger.category))
      return false;
    if (contract.triggerRegions !== 'all' && !contract.triggerRegions.includes(trigger.region)) return false;
  }
  if (args.categories !== undefined && !args.categories.includes(trigger.category)) return false;
  if (args.regions !== undefined && !args.regions.includes(trigger.region)) return false;
  if (args.since !== undefined && trigger.windowEnd < args.since) return false;
  return true;
}

/** The public shape of a trigger. */
export function toTriggerNode(trigger: Trigger) {
  return {
    id: trigger.triggerId,
    category: trigger.category,
    region: trigger.region,
    windowStart: trigger.windowStart,
    windowEnd: trigger.windowEnd,
    lift: trigger.lift,
    distinctBuyers: trigger.distinctBuyers,
  };
}

/** QSR queries. */
export const qsrResolvers = {
  Query: {
    crossIndustryTriggers: (
      _root: unknown,
      args: TriggerFilterArgs & { first?: number; after?: string },
      context: GatewayContext,
    ) =>
      governed(
        context,
        'triggers.read',
        {
          kind: 'triggers',
          ...(args.categories ? { categories: args.categories } : {}),
          ...(args.regions ? { regions: args.regions } : {}),
        },
        args,
        ({ principal, contract, decision }) => {
          const first = args.first ?? 50;
          if (first < 0 || first > MAX_PAGE) {
            throw new GatewayError('BAD_USER_INPUT', `first must be between 0 and ${MAX_PAGE}`, {
              field: 'first',
            });
          }
          const afterId = args.after === undefined ? null : decodeListCursor('trigger', args.after);
          if (args.after !== undefined && afterId === null) {
            throw new GatewayError('BAD_USER_INPUT', 'malformed cursor', { field: 'after' });
          }
          const visible = context.services.readModels
            .triggers()
            .filter((t) => triggerVisible(t, principal, contract, args))
            .filter((t) => t.distinctBuyers >= decision.obligations.thresholdK);
          const start = afterId === null ? 0 : visible.findIndex((t) => t.triggerId === afterId) + 1;
          const page = visible.slice(start, start + first);
          const edges = page.map((t) => ({
            cursor: encodeListCursor('trigger', t.triggerId),
            node: toTriggerNode(t),
          }));
          return {
            value: {
              edges,
              pageInfo: {
                hasNextPage: start + first < visible.length,
                endCursor: edges.at(-1)?.cursor ?? null,
              },
            },
            rows: edges.length,
          };
        },
      ),
  },
};
