/**
 * Restaurant-chain resolvers: cross-industry triggers in the categories and regions the contract names, and
 * foot-traffic surges in the regions its `visibility.footTraffic` block names, as a Relay connection. Trigger values were noised once at the source (processors/triggers); the release step
 * charges the read, keeps the triggers whose noised distinct buyers reach k and applies the field obligations.
 * A contract whose geography is `country` sees each window's triggers of one category merged over regions.
 */
import type { Trigger } from '../../schema/index.ts';
import type { GatewayContext } from '../context.ts';
import { GatewayError } from '../errors.ts';
import { governed } from '../governance.ts';
import type { ContractView, Decision, Principal } from '../ports.ts';
import type { NoisedRowsRelease } from '../release/release-step.ts';
import { decodeListCursor, encodeListCursor } from '../subscriptions/cursor.ts';

const MAX_PAGE = 500;

/** Arguments that narrow triggers. */
export interface TriggerFilterArgs {
  since?: string;
  categories?: string[];
  regions?: string[];
}

/** Whether a trigger was judged on foot traffic (older records and purchase triggers carry no `input`). */
export function isFootTraffic(trigger: Trigger): boolean {
  return trigger.input === 'foot_traffic';
}

/**
 * The released count a trigger's k-threshold is tested on: noised distinct buyers of a purchase trigger, noised
 * entries of a foot-traffic one (sensor counts name no one; see processors/triggers/foot-traffic-mechanism.ts).
 */
export function releasedCountOf(trigger: Trigger): number {
  return isFootTraffic(trigger) ? trigger.observed : trigger.distinctBuyers;
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
    if (isFootTraffic(trigger)) {
      // Only a contract that subscribes to foot traffic, in its regions, at or above its lift.
      const { footTraffic } = contract;
      if (footTraffic === undefined) return false;
      if (footTraffic.regions !== 'all' && !footTraffic.regions.includes(trigger.region)) return false;
      if (trigger.lift < footTraffic.minLift) return false;
    } else {
      if (contract.triggerCategories !== 'all' && !contract.triggerCategories.includes(trigger.category))
        return false;
      if (contract.triggerRegions !== 'all' && !contract.triggerRegions.includes(trigger.region))
        return false;
    }
  }
  if (args.categories !== undefined && !args.categories.includes(trigger.category)) return false;
  if (args.regions !== undefined && !args.regions.includes(trigger.region)) return false;
  if (args.since !== undefined && trigger.windowEnd < args.since) return false;
  return true;
}

/** The public shape of a trigger: `entries` for foot traffic, `distinctBuyers` for purchases, the other null. */
export function toTriggerNode(trigger: Trigger) {
  const footTraffic = isFootTraffic(trigger);
  return {
    id: trigger.triggerId,
    input: footTraffic ? ('FOOT_TRAFFIC' as const) : ('PURCHASES' as const),
    category: trigger.category,
    region: trigger.region,
    windowStart: trigger.windowStart,
    windowEnd: trigger.windowEnd,
    lift: trigger.lift,
    distinctBuyers: footTraffic ? null : trigger.distinctBuyers,
    entries: footTraffic ? trigger.observed : null,
  };
}

/** The public shape of a trigger. */
export type TriggerNode = ReturnType<typeof toTriggerNode>;

/** The released count of a trigger's public shape (see {@link releasedCountOf}). */
export function releasedCountOfNode(node: TriggerNode): number {
  return node.entries ?? node.distinctBuyers ?? 0;
}

/**
 * Triggers as a contract whose geography is `country` may see them: one per category and window, the noised
 * observed demand, baseline and distinct buyers summed over regions and the lift recomputed from them (all
 * post-processing of values released at the source).
 */
export function coarsenTriggers(triggers: Trigger[], decision: Decision, country: string): Trigger[] {
  if (!decision.obligations.coarsenGeo) return triggers;
  const merged = new Map<string, Trigger>();
  for (const trigger of triggers) {
    const key = `${trigger.category}|${trigger.windowStart}`;
    const current = merged.get(key);
    if (current === undefined) {
      merged.set(key, {
        ...trigger,
        triggerId: isFootTraffic(trigger)
          ? `foot-traffic:${country}:${trigger.windowStart}`
          : `trigger:${trigger.category}:${country}:${trigger.windowStart}`,
        region: country,
      });
    } else {
      current.distinctBuyers += trigger.distinctBuyers;
      current.observed += trigger.observed;
      current.baseline += trigger.baseline;
      current.lift = current.baseline > 0 ? current.observed / current.baseline : current.lift;
    }
  }
  return [...merged.values()];
}

/**
 * A contract that sees regions only as the country may not narrow by region either: a `regions` filter would
 * hand it one region's figures under the country's name.
 */
export function refuseRegionsWhenCoarsened(decision: Decision, args: TriggerFilterArgs): void {
  if (decision.obligations.coarsenGeo && args.regions !== undefined) {
    throw new GatewayError('BAD_USER_INPUT', 'the contract sees triggers by country: no regions filter', {
      field: 'regions',
      reason: 'GEO_COARSENED',
    });
  }
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
        ({ principal, contract, decision }): NoisedRowsRelease<Trigger, unknown> => {
          const first = args.first ?? 50;
          if (first < 0 || first > MAX_PAGE) {
            throw new GatewayError('BAD_USER_INPUT', `first must be between 0 and ${MAX_PAGE}`, {
              field: 'first',
            });
          }
          refuseRegionsWhenCoarsened(decision, args);
          const afterId = args.after === undefined ? null : decodeListCursor('trigger', args.after);
          if (args.after !== undefined && afterId === null) {
            throw new GatewayError('BAD_USER_INPUT', 'malformed cursor', { field: 'after' });
          }
          return {
            kind: 'noised-rows',
            read: () =>
              context.services.readModels
                .triggers()
                .filter((t) => triggerVisible(t, principal, contract, args)),
            countOf: releasedCountOf,
            shape: (kept) => {
              const visible = coarsenTriggers(kept, decision, context.services.privacy.country).map(
                toTriggerNode,
              );
              const start = afterId === null ? 0 : visible.findIndex((t) => t.id === afterId) + 1;
              const page = visible.slice(start, start + first);
              const edges = page.map((t) => ({ cursor: encodeListCursor('trigger', t.id), node: t }));
              return {
                edges,
                pageInfo: {
                  hasNextPage: start + first < visible.length,
                  endCursor: edges.at(-1)?.cursor ?? null,
                },
              };
            },
          };
        },
      ),
  },
};
