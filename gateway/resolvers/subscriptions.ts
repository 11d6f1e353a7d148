/**
 * Subscription resolvers. Each subscription is decided and audited when it starts; `campaignMetrics` is
 * decided, spent and audited again at every push (at a bounded rate). Every stream sits behind a bounded
 * queue: a subscriber that falls behind is cut off with a reason instead of growing memory.
 */
import type { GatewayContext } from '../context.ts';
import { GatewayError, errorFor, extensionCodeOf } from '../errors.ts';
import { governed } from '../governance.ts';
import { createBoundedQueue, SlowSubscriberError } from '../subscriptions/bounded-queue.ts';
import type { BoundedQueue } from '../subscriptions/bounded-queue.ts';
import { decodeCursor, encodeCursor } from '../subscriptions/cursor.ts';
import { CursorExpiredError } from '../subscriptions/signal-hub.ts';
import type { SignalSubscription } from '../subscriptions/signal-hub.ts';
import type { AuditEntry } from '../ports.ts';
import { takeSubscriptionSlot } from './subscription-slots.ts';
import type { SubscriptionSlot } from './subscription-slots.ts';
import { ownsCampaign } from './brand.ts';
import { toPolicyDecision } from './privacy-officer.ts';
import { toTriggerNode, triggerVisible } from './qsr.ts';
import { epsilonOf, noised, noisedAmount, requireThreshold, spendOrRefuse } from './obligations.ts';

/**
 * Wrap a queue so that errors reach the client as coded GraphQL errors, the gauge stays right and the slot is
 * given back when the subscription ends. Not an async generator: a generator cannot be returned while it
 * awaits, so an idle subscriber would never detach.
 */
function guarded<T>(
  queue: BoundedQueue<T>,
  context: GatewayContext,
  field: string,
  slot: SubscriptionSlot,
): AsyncIterableIterator<T> {
  const gauge = context.services.metrics.subscribers;
  gauge.inc({ subscription: field });
  let counted = true;
  const release = (): void => {
    if (!counted) return;
    counted = false;
    gauge.dec({ subscription: field });
    slot.release();
  };
  const translate = (error: unknown): unknown => {
    if (error instanceof SlowSubscriberError) {
      context.services.metrics.slowSubscriberDisconnects.inc({ subscription: field });
      return errorFor('RATE_LIMITED', error.message, { reason: 'SLOW_SUBSCRIBER' });
    }
    if (error instanceof GatewayError) return errorFor(error.code, error.message, error.context);
    return error;
  };
  const iterator: AsyncIterableIterator<T> = {
    async next() {
      try {
        const result = await queue.next();
        if (result.done === true) release();
        return result;
      } catch (error) {
        release();
        throw translate(error);
      }
    },
    async return() {
      release();
      return queue.return?.() ?? { done: true as const, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}

/**
 * Open a subscription under a live-subscription slot: the slot is taken before `open` awaits anything (the
 * contract's `maxSubscriptions`, RATE_LIMITED beyond it), handed to the stream, and given back if `open` fails.
 */
async function admitted<T>(
  context: GatewayContext,
  field: string,
  open: () => Promise<BoundedQueue<T>>,
): Promise<AsyncIterableIterator<T>> {
  const slot = takeSubscriptionSlot(context);
  let queue: BoundedQueue<T>;
  try {
    queue = await open();
  } catch (error) {
    slot.release();
    throw error;
  }
  return guarded(queue, context, field, slot);
}

function queueFor<T>(context: GatewayContext, onClose: () => void, onPull?: () => void): BoundedQueue<T> {
  return createBoundedQueue<T>(context.services.limits.maxBufferedPerSubscriber, {
    onClose,
    ...(onPull ? { onPull } : {}),
  });
}

/** Subscription resolvers. */
export const subscriptionResolvers = {
  Subscription: {
    audienceSignals: {
      subscribe: async (
        _root: unknown,
        args: { segmentIds?: string[]; after?: string },
        context: GatewayContext,
      ) => {
        return admitted(context, 'audienceSignals', () => {
          const resource = {
            kind: 'audience-signals',
            ...(args.segmentIds ? { segmentIds: args.segmentIds } : {}),
          };
          return governed(context, 'signals.subscribe', resource, args, (scope) => {
            const { principal, contract } = scope;
            const shared = new Set(contract?.segments ?? []);
            const requested = args.segmentIds ?? [...shared];
            const outside = requested.filter((id) => !shared.has(id));
            if (outside.length > 0) {
              throw new GatewayError(
                'FORBIDDEN',
                `segments not shared by the contract: ${outside.join(', ')}`,
              );
            }
            const from = args.after === undefined ? null : decodeCursor(args.after);
            if (args.after !== undefined && from === null) {
              throw new GatewayError('BAD_USER_INPUT', 'malformed cursor', { field: 'after' });
            }
            const wanted = new Set(requested);
            let handle: SignalSubscription | null = null;
            const limit = context.services.limits.maxBufferedPerSubscriber;
            const stream = queueFor<unknown>(
              context,
              () => handle?.detach(),
              () => handle?.resume(),
            );
            const { pseudonyms, signals } = context.services;
            try {
              handle = signals.subscribe(
                {
                  accepts: (signal) => wanted.has(signal.segmentId),
                  deliver: ({ signal, position }) =>
                    stream.push({
                      segmentId: signal.segmentId,
                      pseudonym: pseudonyms.pseudonymFor(principal.id, signal.subjectId),
                      action: signal.action,
                      at: signal.at,
                      cursor: encodeCursor(position),
                    }),
                  // Catch-up replays at the subscriber's pace: never more than half the buffer ahead.
                  hasCapacity: () => stream.size < Math.max(1, Math.floor(limit / 2)),
                  fail: (error) =>
                    stream.fail(
                      new GatewayError('BAD_USER_INPUT', error.message, {
                        field: 'after',
                        reason: 'CURSOR_EXPIRED',
                      }),
                    ),
                },
                from,
              );
            } catch (error) {
              if (error instanceof CursorExpiredError) {
                throw new GatewayError('BAD_USER_INPUT', error.message, {
                  field: 'after',
                  reason: 'CURSOR_EXPIRED',
                });
              }
              throw error;
            }
            return { value: stream };
          });
        });
      },
      resolve: (payload: unknown) => payload,
    },
    triggerFired: {
      subscribe: async (
        _root: unknown,
        args: { categories?: string[]; regions?: string[] },
        context: GatewayContext,
      ) => {
        return admitted(context, 'triggerFired', () => {
          const resource = {
            kind: 'triggers',
            ...(args.categories ? { categories: args.categories } : {}),
            ...(args.regions ? { regions: args.regions } : {}),
          };
          return governed(context, 'triggers.subscribe', resource, args, (scope) => {
            const { principal, contract, decision } = scope;
            let detach: () => void = () => {};
            const stream = queueFor<unknown>(context, () => detach());
            detach = context.services.feeds.onTrigger((trigger) => {
              if (!triggerVisible(trigger, principal, contract, args)) return;
              if (trigger.distinctBuyers < decision.obligations.thresholdK) return;
              stream.push(toTriggerNode(trigger));
            });
            return { value: stream };
          });
        });
      },
      resolve: (payload: unknown) => payload,
    },
    policyDecisionLogged: {
      subscribe: async (_root: unknown, args: unknown, context: GatewayContext) => {
        return admitted(context, 'policyDecisionLogged', () =>
          governed(context, 'decisions.subscribe', { kind: 'audit-log' }, args, () => {
            let detach: () => void = () => {};
            const stream = queueFor<unknown>(context, () => detach());
            detach = context.services.audit.subscribe((entry: AuditEntry) => {
              stream.push(toPolicyDecision(entry));
            });
            return { value: stream };
          }),
        );
      },
      resolve: (payload: unknown) => payload,
    },
    campaignMetrics: {
      subscribe: async (_root: unknown, args: { campaignId: string }, context: GatewayContext) => {
        return admitted(context, 'campaignMetrics', async () => {
          const pushOnce = () => {
            const campaign = context.services.readModels.campaign(args.campaignId);
            const resource = {
              kind: 'campaign',
              id: args.campaignId,
              ...(campaign ? { ownerId: campaign.brand } : {}),
            };
            return governed(context, 'campaign.metrics.subscribe', resource, args, async (scope) => {
              const { decision, principal, contract } = scope;
              if (!ownsCampaign(principal, contract, args.campaignId, campaign?.brand))
                throw new GatewayError('FORBIDDEN', 'not your campaign');
              const totals = { exposedSubjects: 0, conversions: 0, revenue: 0, spend: 0 };
              for (const aggregate of context.services.readModels.aggregates(args.campaignId, 'last_touch')) {
                totals.exposedSubjects += aggregate.exposedSubjects;
                totals.conversions += aggregate.conversions;
                totals.revenue += aggregate.revenue;
                totals.spend += aggregate.spend;
              }
              requireThreshold(decision, totals.exposedSubjects, 'campaign metrics');
              const epsilon = epsilonOf(decision);
              await spendOrRefuse(context.services, principal, contract, epsilon);
              return {
                value: {
                  campaignId: args.campaignId,
                  at: context.services.now().toISOString(),
                  exact: decision.obligations.exact,
                  exposedSubjects: noised(context.services, decision, totals.exposedSubjects),
                  conversions: noised(context.services, decision, totals.conversions),
                  revenue: noisedAmount(context.services, decision, totals.revenue),
                  spend: noisedAmount(context.services, decision, totals.spend),
                  epsilonSpent: epsilon,
                },
                rows: 1,
                epsilonSpent: epsilon,
              };
            });
          };
          // The first push is decided before the subscription is acknowledged: a denial fails the subscribe.
          const first = await pushOnce();
          const stream = queueFor<unknown>(context, () => clearInterval(timer));
          stream.push(first);
          let inFlight = false;
          const timer = setInterval(
            () => {
              if (inFlight || stream.closed) return;
              inFlight = true;
              pushOnce()
                .then(
                  (metrics) => stream.push(metrics),
                  (error: unknown) => {
                    // Below k this tick: skip; anything else (budget exhausted, contract revoked) ends the stream.
                    if (extensionCodeOf(error) === 'BELOW_THRESHOLD') return;
                    stream.fail(error instanceof Error ? error : new Error(String(error)));
                  },
                )
                .finally(() => {
                  inFlight = false;
                });
            },
            Math.max(1_000, context.services.limits.campaignMetricsIntervalMs),
          );
          return stream;
        });
      },
      resolve: (payload: unknown) => payload,
    },
  },
};
