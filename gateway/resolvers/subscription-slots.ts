/**
 * Live subscriptions per principal, against the contract's `maxSubscriptions`. A slot is checked and taken in
 * one synchronous step when a subscribe starts, before its decision and audit append are awaited: checking
 * first and counting only once the subscription was set up let a burst of concurrent subscribes all pass the
 * check while none of them was counted yet. The slot is given back exactly once, when the subscribe fails or
 * the subscription ends.
 */
import type { GatewayContext } from '../context.ts';
import { errorFor } from '../errors.ts';

/** A taken slot. */
export interface SubscriptionSlot {
  /** Give the slot back; later calls do nothing. */
  release(): void;
}

/**
 * Take a live-subscription slot for the operation's principal; partners are held to their contract's
 * `maxSubscriptions`, host principals are only counted.
 *
 * @throws GraphQLError RATE_LIMITED (reason `MAX_SUBSCRIPTIONS`) when the partner holds its cap already.
 * @example
 * const slot = takeSubscriptionSlot(context);
 * try { return guarded(await open(), context, field, slot); } catch (error) { slot.release(); throw error; }
 */
export function takeSubscriptionSlot(context: GatewayContext): SubscriptionSlot {
  const live = context.services.liveSubscriptions;
  const principal = context.principal;
  const holder = principal?.id ?? '';
  if (principal !== null && (principal.role === 'BRAND' || principal.role === 'QSR')) {
    const limit = context.services.contracts.get(principal.id)?.maxSubscriptions ?? null;
    if (limit !== null && (live.get(holder) ?? 0) >= limit) {
      throw errorFor('RATE_LIMITED', `at most ${limit} live subscriptions under the contract`, {
        reason: 'MAX_SUBSCRIPTIONS',
      });
    }
  }
  live.set(holder, (live.get(holder) ?? 0) + 1);
  let held = true;
  return {
    release() {
      if (!held) return;
      held = false;
      const left = (live.get(holder) ?? 1) - 1;
      if (left <= 0) live.delete(holder);
      else live.set(holder, left);
    },
  };
}
