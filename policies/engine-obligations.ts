import type { GeoGranularity, HostConfig, PartnerContract } from './contracts/schema.ts';
import type { BudgetWindow } from './privacy/budget-window.ts';

/**
 * Where the host rules and a contract both speak, the strictest wins. Each function here is one such
 * rule; the engine composes them into obligations.
 */

/** The higher threshold: the host floor or the contract's own (which may only raise it). */
export function effectiveThreshold(host: HostConfig, contract: PartnerContract): number {
  return Math.max(host.thresholdFloor, contract.kThreshold ?? host.thresholdFloor);
}

/** The smaller budget when host and contract name the same window; otherwise the contract's (or the host default). */
export function effectiveBudget(
  host: HostConfig,
  contract: PartnerContract,
): { epsilonLimit: number; window: BudgetWindow } {
  const hostBudget = host.dp.defaultBudget;
  const budget = contract.dp.budget ?? hostBudget;
  const epsilonLimit =
    budget.window === hostBudget.window ? Math.min(budget.epsilon, hostBudget.epsilon) : budget.epsilon;
  return { epsilonLimit, window: budget.window };
}

/** The smaller epsilon per aggregate: the host maximum, the contract's choice, and what one budget holds. */
export function effectiveEpsilon(host: HostConfig, contract: PartnerContract): number {
  const requested = contract.dp.epsilonPerQuery ?? host.dp.defaultEpsilonPerQuery;
  return Math.min(requested, host.dp.maxEpsilonPerQuery, effectiveBudget(host, contract).epsilonLimit);
}

const GEO_COARSENESS: Readonly<Record<GeoGranularity, number>> = { region: 0, country: 1 };

/** The coarser of two geographies. */
export function coarsestGeo(a: GeoGranularity, b: GeoGranularity): GeoGranularity {
  return GEO_COARSENESS[a] >= GEO_COARSENESS[b] ? a : b;
}

/** The union of the host's and the contract's dropped fields, sorted. */
export function droppedFields(host: HostConfig, contract: PartnerContract): string[] {
  return [...new Set([...host.dropFields, ...contract.dropFields])].sort();
}
