/**
 * Applying a decision's obligations: the k-threshold, budget spending and noise. Exact answers (the host)
 * skip noise and budget but still face nothing below k only when the decision says so (k = 0 for the host).
 */
import { GatewayError } from '../errors.ts';
import type { GatewayServices } from '../context.ts';
import type { ContractView, Decision, Principal } from '../ports.ts';

/** Spend `epsilon` from the partner's budget or refuse with BUDGET_EXHAUSTED. */
export async function spendOrRefuse(
  services: GatewayServices,
  principal: Principal,
  contract: ContractView | undefined,
  epsilon: number,
): Promise<void> {
  if (epsilon <= 0) return;
  if (contract === undefined) {
    throw new GatewayError('FORBIDDEN', 'no contract to pay for a noised answer', {
      partnerId: principal.id,
    });
  }
  const spent = await services.budget.trySpend(principal.id, epsilon, contract);
  if (!spent) {
    throw new GatewayError('BUDGET_EXHAUSTED', 'privacy budget exhausted for this window', {
      partnerId: principal.id,
      contractVersion: contract.version,
      reason: 'BUDGET_EXHAUSTED',
    });
  }
  services.metrics.epsilonSpent.inc({ partner: principal.id }, epsilon);
}

/** Epsilon one noised aggregate costs under this decision (0 when exact or un-noised). */
export function epsilonOf(decision: Decision): number {
  return decision.obligations.exact || decision.obligations.noiseEpsilon === null
    ? 0
    : decision.obligations.noiseEpsilon;
}

/** Refuse with BELOW_THRESHOLD when `distinctSubjects` is below the decision's k. */
export function requireThreshold(decision: Decision, distinctSubjects: number, what: string): void {
  if (distinctSubjects < decision.obligations.thresholdK) {
    throw new GatewayError('BELOW_THRESHOLD', `${what} is below the k-threshold`, {
      contractVersion: decision.contractVersion,
      reason: 'BELOW_THRESHOLD',
    });
  }
}

/**
 * Noise a non-negative count (integer discrete Laplace), clamped at zero afterwards (post-processing keeps the
 * privacy guarantee). Exact when the decision says so.
 */
export function noised(services: GatewayServices, decision: Decision, value: number): number {
  const epsilon = epsilonOf(decision);
  if (epsilon === 0) return value;
  return Math.max(0, services.noise.noisyCount(Math.round(value), epsilon));
}

/** Noise an amount of money at whole-unit resolution. */
export function noisedAmount(services: GatewayServices, decision: Decision, value: number): number {
  const epsilon = epsilonOf(decision);
  if (epsilon === 0) return value;
  return services.noise.noisyCount(Math.round(value), epsilon);
}
