/**
 * Subscription resolvers. Each subscription is decided and audited when it starts. `audienceSignals` flow only
 * through open activation gates (gateway/release/activation-gates.ts); `triggerFired` is charged once when it
 * opens and each trigger passes the noised threshold and the field obligations; `campaignMetrics` is decided
 * and audited at every push, and released by continual counting (one epsilon per budget window, not per push).
 * Every stream sits behind a bounded queue: a subscriber that falls behind is cut off with a reason instead of
 * growing memory.
 */
import type { GatewayContext } from '../context.ts';
import { GatewayError, errorFor, extensionCodeOf } from '../errors.ts';
import { governed } from '../governance.ts';
import { createBoundedQueue, SlowSubscriberError } from '../subscriptions/bounded-queue.ts';
import type { BoundedQueue } from '../subscriptions/bounded-queue.ts';
import { decodeCursor, encodeCursor } from '../subscriptions/cursor.ts';
import { CursorExpiredError } from '../subscriptions/signal-hub.ts';
import type { SignalSubscription } from '../subscriptions/signal-hub.ts';
import type { AuditEntry, ContractView, DecisionResource } from '../ports.ts';
import { takeSubscriptionSlot } from './subscription-slots.ts';
import type { SubscriptionSlot } from './subscription-slots.ts';
import { campaignResource, ownsCampaign } from './brand.ts';
import { appliedBounds } from './campaign-report.ts';
import { toPolicyDecision } from './privacy-officer.ts';
import {
  coarsenTriggers,
  refuseRegionsWhenCoarsened,
  releasedCountOf,
  releasedCountOfNode,
  toTriggerNode,
  triggerVisible,
} from './qsr.ts';
import { budgetWindowBounds } from '../../policies/index.ts';
import type { Trigger } from '../../schema/index.ts';
import { chargeBudget, epsilonOf, releasePushedRow } from '../release/release-step.ts';
import type { LiveRelease } from '../release/release-step.ts';

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
export async function admitted<T>(
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

/** How long a country-level trigger subscription waits for the other regions of a window before pushing. */
const COARSENED_TRIGGER_WAIT_MS = 1_000;

/** How often a live stream is decided again (a withdrawn or changed contract ends it). */
const REDECIDE_MS = 2_000;

function windowStartOf(contract: ContractView | undefined, now: Date): string {
  return budgetWindowBounds(contract?.budgetWindow ?? 'day', now).start.toISOString();
}

/**
 * Decide a live stream again every few seconds: when the policy no longer allows it (the contract was withdrawn
 * or narrowed), the refusal is audited through `governed` and the stream ends with its code. `onAllowed` runs
 * after each check that still allows it. Returns the function that stops the checks.
 */
function keepDecided(
  context: GatewayContext,
  action: 'signals.subscribe' | 'triggers.subscribe',
  resource: DecisionResource,
  args: unknown,
  stream: BoundedQueue<unknown>,
  onAllowed?: () => Promise<void>,
): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running || stream.closed) return;
    const principal = context.principal;
    if (principal === null) return;
    running = true;
    const decision = context.services.policy.decide(principal, action, resource, { input: args });
    const check =
      decision.effect === 'deny'
        ? governed(context, action, resource, args, () => ({ value: null }))
        : (onAllowed?.() ?? Promise.resolve());
    check
      .then(() => {
        if (decision.effect === 'deny')
          stream.fail(new GatewayError('FORBIDDEN', decision.reasons[0] ?? 'forbidden'));
      })
      .catch((error: unknown) => stream.fail(error instanceof Error ? error : new Error(String(error))))
      .finally(() => {
        running = false;
      });
  }, REDECIDE_MS);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * A check before each push of a live stream: when the partner's contract is no longer the version the stream was
 * opened under, the policy decides again (pure, synchronous); a denial ends the stream at once and nothing more
 * is pushed (the periodic check audits the refusal).
 */
function contractGuard(
  context: GatewayContext,
  action: 'signals.subscribe' | 'triggers.subscribe',
  resource: DecisionResource,
  args: unknown,
  contract: ContractView | undefined,
): (stream: BoundedQueue<unknown>) => boolean {
  let version = contract?.version;
  let allowed = true;
  return (stream) => {
    if (!allowed) return false;
    const principal = context.principal;
    if (principal === null) return false;
    const current = context.services.contracts.get(principal.id)?.version;
    if (current === version) return true;
    const decision = context.services.policy.decide(principal, action, resource, { input: args });
    if (decision.effect === 'deny') {
      allowed = false;
      stream.fail(new GatewayError('FORBIDDEN', decision.reasons[0] ?? 'forbidden by policy'));
      return false;
    }
    version = current;
    return true;
  };
}

/** Running totals of a campaign, released by continual counting (see gateway/release/live-streams.ts). */
function campaignMetricsRelease(context: GatewayContext, campaignId: string): LiveRelease<unknown> {
  const bounds = appliedBounds(context.services, campaignId, 'last_touch');
  const cells = bounds.cellsPerCampaign;
  return {
    kind: 'live',
    streamName: `campaign:${campaignId}`,
    countMeasure: 'exposedSubjects',
    measures: [
      { name: 'exposedSubjects', unitsPerValue: 1, bound: cells },
      { name: 'conversions', unitsPerValue: 100, bound: cells * bounds.conversions },
      { name: 'revenue', unitsPerValue: 100, bound: cells * bounds.revenue },
      { name: 'spend', unitsPerValue: 100, bound: cells * bounds.spend },
    ],
    read(bounded) {
      const totals = { exposedSubjects: 0, conversions: 0, revenue: 0, spend: 0 };
      for (const aggregate of context.services.readModels.aggregates(campaignId, 'last_touch')) {
        const values = bounded ? (aggregate as { bounded?: Partial<typeof totals> }).bounded : aggregate;
        if (values === undefined) continue;
        totals.exposedSubjects += values.exposedSubjects ?? 0;
        totals.conversions += values.conversions ?? 0;
        totals.revenue += values.revenue ?? 0;
        totals.spend += values.spend ?? 0;
      }
      return totals;
    },
    shape: (values, released) => ({
      campaignId,
      at: context.services.now().toISOString(),
      exact: released.exact,
      exposedSubjects: Math.round(values['exposedSubjects'] ?? 0),
      conversions: Math.round((values['conversions'] ?? 0) * 100) / 100,
      revenue: Math.round((values['revenue'] ?? 0) * 100) / 100,
      spend: Math.round((values['spend'] ?? 0) * 100) / 100,
      epsilonSpent: released.epsilonSpent,
    }),
  };
}

export function queueFor<T>(
  context: GatewayContext,
  onClose: () => void,
  onPull?: () => void,
): BoundedQueue<T> {
  return createBoundedQueue<T>(context.services.limits.maxBufferedPerSubscriber, {
    onClose,
    ...(onPull ? { onPull } : {}),
  });
}

/**
 * A live release pushed on a timer (campaignMetrics, bidMultipliers): the first push is decided before the
 * subscription is acknowledged, so a denial fails the subscribe. Later pushes: below k a tick is skipped; anything
 * else (budget exhausted when a new window must be paid for, contract revoked) ends the stream.
 */
export async function pollingStream(
  context: GatewayContext,
  pushOnce: () => Promise<unknown>,
): Promise<BoundedQueue<unknown>> {
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
          (payload) => stream.push(payload),
          (error: unknown) => {
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
          return governed(context, 'signals.subscribe', resource, args, async (scope) => {
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
            const { pseudonyms, signals, release } = context.services;
            const { services } = context;
            // Activation gates: decided now (charged, audited) and again each interval while the stream lives;
            // they lapse when the partner's last subscription to a segment ends.
            const gateScope = { principal, decision: scope.decision, contract: contract as ContractView };
            const stillAllowed = contractGuard(context, 'signals.subscribe', resource, args, contract);
            for (const segmentId of wanted) release.gates.attach(services, principal.id, segmentId);
            let attached = true;
            const letGo = (): void => {
              if (!attached) return;
              attached = false;
              for (const segmentId of wanted) release.gates.detach(services, principal.id, segmentId);
            };
            const decideGates = async (): Promise<void> => {
              for (const segmentId of wanted) await release.gates.decide(services, gateScope, segmentId);
            };
            const intervalMs = services.privacy.activation.decisionIntervalSeconds * 1_000;
            const regate = setInterval(
              () => {
                decideGates().catch((error: unknown) =>
                  stream.fail(error instanceof Error ? error : new Error(String(error))),
                );
              },
              Math.max(250, Math.floor(intervalMs / 4)),
            );
            regate.unref();
            const limit = services.limits.maxBufferedPerSubscriber;
            const stream = queueFor<unknown>(
              context,
              () => {
                clearInterval(regate);
                stopChecks();
                handle?.detach();
                letGo();
              },
              () => handle?.resume(),
            );
            // A withdrawn or narrowed contract ends the stream (audited), within seconds.
            const stopChecks = keepDecided(context, 'signals.subscribe', resource, args, stream);
            try {
              await decideGates();
            } catch (error) {
              clearInterval(regate);
              stopChecks();
              letGo();
              throw error;
            }
            try {
              handle = signals.subscribe(
                {
                  accepts: (signal) =>
                    wanted.has(signal.segmentId) &&
                    stillAllowed(stream) &&
                    release.gates.admits(principal.id, signal),
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
              clearInterval(regate);
              stopChecks();
              letGo();
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
          return governed(context, 'triggers.subscribe', resource, args, async (scope) => {
            const { principal, contract, decision } = scope;
            const { services } = context;
            refuseRegionsWhenCoarsened(decision, args);
            const stillAllowed = contractGuard(context, 'triggers.subscribe', resource, args, contract);
            // Triggers were noised once at the source; a subscription pays what a read costs, up front, and
            // again in each new budget window it lives into.
            const epsilon = epsilonOf(decision);
            await chargeBudget({ services, ...scope }, epsilon);
            let paidWindow = windowStartOf(contract, services.now());
            let detach: () => void = () => {};
            const pending = new Map<string, { triggers: Trigger[]; timer: NodeJS.Timeout }>();
            const pushed = new Set<string>();
            const stream = queueFor<unknown>(context, () => {
              detach();
              stopChecks();
              for (const { timer } of pending.values()) clearTimeout(timer);
            });
            const push = (triggers: Trigger[]): void => {
              for (const trigger of coarsenTriggers(triggers, decision, services.privacy.country)) {
                const released = releasePushedRow(
                  { services, ...scope },
                  toTriggerNode(trigger),
                  releasedCountOfNode,
                );
                if (released !== null) stream.push(released);
              }
            };
            detach = services.feeds.onTrigger((trigger) => {
              if (!stillAllowed(stream)) return;
              if (!triggerVisible(trigger, principal, contract, args)) return;
              // Below k in one region is below k: the threshold holds per region before any merge.
              if (!decision.obligations.exact && releasedCountOf(trigger) < decision.obligations.thresholdK)
                return;
              if (!decision.obligations.coarsenGeo) {
                push([trigger]);
                return;
              }
              // A contract that sees the country gets one trigger per category and window, merged over the
              // regions that fire together (the trigger stage emits a window's triggers at once); a region that
              // fires later for a window already pushed is only in the query answers.
              const key = `${trigger.category}|${trigger.windowStart}`;
              if (pushed.has(key)) return;
              const waiting = pending.get(key);
              if (waiting !== undefined) {
                waiting.triggers.push(trigger);
                return;
              }
              const timer = setTimeout(() => {
                const batch = pending.get(key);
                pending.delete(key);
                pushed.add(key);
                if (batch !== undefined) push(batch.triggers);
              }, COARSENED_TRIGGER_WAIT_MS);
              timer.unref();
              pending.set(key, { triggers: [trigger], timer });
            });
            const stopChecks = keepDecided(
              context,
              'triggers.subscribe',
              resource,
              args,
              stream,
              async () => {
                const window = windowStartOf(contract, services.now());
                if (window === paidWindow) return;
                paidWindow = window;
                await governed(context, 'triggers.subscribe', resource, args, async (again) => {
                  await chargeBudget({ services, ...again }, epsilonOf(again.decision));
                  return { value: null, epsilonSpent: epsilonOf(again.decision) };
                });
              },
            );
            return { value: stream, epsilonSpent: epsilon };
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
            const resource = campaignResource(args.campaignId, campaign);
            return governed(context, 'campaign.metrics.subscribe', resource, args, (scope) => {
              const { principal, contract } = scope;
              if (!ownsCampaign(principal, contract, args.campaignId, campaign?.brand))
                throw new GatewayError('FORBIDDEN', 'not your campaign');
              return campaignMetricsRelease(context, args.campaignId);
            });
          };
          return pollingStream(context, pushOnce);
        });
      },
      resolve: (payload: unknown) => payload,
    },
  },
};
