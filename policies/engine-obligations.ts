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

/** The activation minimum in force: the host's, raised by the contract, never below the partner's k. */
export function effectiveActivationMinimum(host: HostConfig, contract: PartnerContract): number {
  return Math.max(
    host.privacy.activation.minimumSize,
    contract.privacy.activationMinimum ?? 0,
    effectiveThreshold(host, contract),
  );
}

/** The smaller partition-selection delta: the host's, or the contract's when it is stricter. */
export function effectivePartitionSelectionDelta(host: HostConfig, contract: PartnerContract): number {
  return Math.min(
    host.privacy.partitionSelectionDelta,
    contract.privacy.partitionSelectionDelta ?? Number.POSITIVE_INFINITY,
  );
}

/** Upload limits in force: the larger minimum list size and the smaller number of lists per window. */
export function effectiveUploadLimits(
  host: HostConfig,
  contract: PartnerContract,
): { minimumSize: number; maxPerWindow: number } {
  return {
    minimumSize: Math.max(host.privacy.uploads.minimumSize, contract.privacy.uploads.minimumSize ?? 0),
    maxPerWindow: Math.min(
      host.privacy.uploads.maxPerWindow,
      contract.privacy.uploads.maxPerWindow ?? Number.POSITIVE_INFINITY,
    ),
  };
}
