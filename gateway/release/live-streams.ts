/**
 * Continual release of live aggregates (`campaignMetrics`): each partner's stream of one aggregate in one
 * budget window is a set of binary-tree counters (policies/privacy/continual-counter.ts), one per measure. The
 * stream costs the host's `continualRelease.epsilonPerWindow` once per window — charged when the partner's first
 * subscription of the window opens it — and then every tick releases noisy running totals for free: the
 * error grows with log2(ticks per window), not with the number of ticks. All subscriptions of a partner to the
 * same aggregate share the stream (so a second subscription cannot average the noise away), and its node noise
 * is kept in the release store (so a restart cannot either).
 */
import { budgetWindowBounds, createContinualCounter } from '../../policies/index.ts';
import type { ContinualCounter } from '../../policies/index.ts';
import { GatewayError } from '../errors.ts';
import type { ContractView, HostPrivacyView } from '../ports.ts';
import type { ReleaseStore } from './release-store.ts';

/** A measure of a live stream, in integer units. */
export interface LiveMeasure {
  name: string;
  unitsPerValue: number;
  /**
   * Most one subject's contribution to the running total can be, in value units; for a measure of a `group`, the
   * most one subject adds over ALL of the group's measures together.
   */
  bound: number;
  /**
   * Measures that share one contribution bound (a bid stream's ad events per placement: a contributor's ad events
   * are capped per campaign over every placement). The group's measures have the same `bound` and `unitsPerValue`
   * and take one share of the window's epsilon together. Default: the measure is a group of its own.
   */
  group?: string;
}

/** The epsilon and sensitivity (in integer units) of one measure's counter. */
export interface LiveMeasureNoise {
  epsilon: number;
  sensitivity: number;
}

/**
 * How a window's epsilon is shared by a stream's measures: one equal share per group (a measure without a group is
 * one), each counter of a group noised with the group's share and sensitivity. A subject's bounded contribution may
 * enter the running totals and leave them again (a retraction, an opt-out): twice its bound over the stream, plus a
 * unit of rounding each way for each of the group's measures. Over a group, the node sums of its counters move by
 * at most `levels` times that in L1 (the contribution is split between the measures, not repeated in each), so
 * the group is epsilon-share DP and the stream, by composition over the groups, spends the window's epsilon.
 *
 * @example
 * liveMeasureNoise([{ name: 'a:x', unitsPerValue: 1, bound: 5, group: 'a' }, { name: 'a:y', unitsPerValue: 1, bound: 5, group: 'a' }], 1)
 * // Map { 'a:x' => { epsilon: 1, sensitivity: 14 }, 'a:y' => { epsilon: 1, sensitivity: 14 } }
 */
export function liveMeasureNoise(
  measures: readonly LiveMeasure[],
  epsilonPerWindow: number,
): Map<string, LiveMeasureNoise> {
  const groups = new Map<string, LiveMeasure[]>();
  for (const measure of measures) {
    const name = measure.group ?? `measure:${measure.name}`;
    const members = groups.get(name) ?? [];
    const first = members[0];
    if (
      first !== undefined &&
      (first.bound !== measure.bound || first.unitsPerValue !== measure.unitsPerValue)
    )
      throw new GatewayError(
        'INTERNAL_SERVER_ERROR',
        `the measures of group ${name} must share one bound and one unitsPerValue`,
      );
    members.push(measure);
    groups.set(name, members);
  }
  const epsilonPerGroup = epsilonPerWindow / groups.size;
  const noise = new Map<string, LiveMeasureNoise>();
  for (const members of groups.values()) {
    const { bound, unitsPerValue } = members[0] as LiveMeasure;
    const sensitivity = 2 * Math.ceil(bound * unitsPerValue) + 2 * members.length;
    for (const member of members) noise.set(member.name, { epsilon: epsilonPerGroup, sensitivity });
  }
  return noise;
}

/** One partner's open stream in the current window. */
export interface LiveStreamHandle {
  /** Release the running totals at `now` (exact, contribution-bounded values in value units). */
  release(now: Date, exact: Record<string, number>): Record<string, number>;
  /** The window this handle belongs to (a later tick outside it needs a new handle, and a new charge). */
  readonly windowStart: string;
  readonly windowEnd: number;
}

/** The live streams of a gateway. */
export interface LiveStreams {
  /**
   * Make sure the partner's stream of `streamName` in the window containing `now` is paid for: `charge` (which
   * throws when the budget is spent) runs for the first caller of the window only — callers that arrive while it
   * runs wait for it instead of charging again — and the stream is recorded as paid. Returns the epsilon this call
   * charged (0 when the window was already paid). Call `open` after it.
   */
  pay(
    partnerId: string,
    streamName: string,
    contract: ContractView,
    now: Date,
    charge: (epsilon: number) => Promise<void>,
  ): Promise<number>;
  open(
    partnerId: string,
    streamName: string,
    contract: ContractView,
    now: Date,
    measures: LiveMeasure[],
  ): LiveStreamHandle;
  /** Epsilon one window of a stream costs. */
  readonly epsilonPerWindow: number;
  /** Ticks per window and tick length (for documentation and tests). */
  horizonOf(contract: ContractView, now: Date): { ticks: number; tickMs: number };
}

/** Options of {@link createLiveStreams}. */
export interface LiveStreamsOptions {
  store: ReleaseStore;
  settings: HostPrivacyView['continualRelease'];
}

/** A stream key: partner, stream and window. */
function keyOf(partnerId: string, streamName: string, windowStart: string): string {
  return `${partnerId}|${streamName}|${windowStart}`;
}

/** A charge another subscription made failed: it reports that; the waiting caller charges for itself. */
function chargeFailedElsewhere(): void {}

/** Create the live streams. */
export function createLiveStreams(options: LiveStreamsOptions): LiveStreams {
  const { store, settings } = options;
  const tickMs = settings.tickSeconds * 1_000;
  const open = new Map<string, Map<string, ContinualCounter>>();
  // The answer of each stream's latest tick, given again to every release of that tick: two releases of one
  // tick share their noise, so answering the data as it is at the second would hand out the exact change.
  const frozen = new Map<string, { tick: number; values: Record<string, number> }>();
  // Charges under way, by stream key: a second subscription opening the same window waits for the first's.
  const paying = new Map<string, Promise<void>>();
  const windowOf = (contract: ContractView, now: Date) => budgetWindowBounds(contract.budgetWindow, now);

  return {
    epsilonPerWindow: settings.epsilonPerWindow,
    horizonOf(contract, now) {
      const { start, end } = windowOf(contract, now);
      return { ticks: Math.ceil((end.getTime() - start.getTime()) / tickMs), tickMs };
    },
    async pay(partnerId, streamName, contract, now, charge) {
      const windowStart = windowOf(contract, now).start.toISOString();
      const key = keyOf(partnerId, streamName, windowStart);
      for (;;) {
        if (store.liveStream(key) !== undefined) return 0;
        const running = paying.get(key);
        if (running === undefined) break;
        // Another subscription is paying for this window: its outcome decides. Its failure is that caller's to
        // report; this one then tries the charge itself on the next turn of the loop.
        await running.catch(chargeFailedElsewhere);
      }
      const payment = charge(settings.epsilonPerWindow).then(() => {
        store.saveLiveStream(key, partnerId, windowStart, { counters: {}, chargedAt: now.toISOString() });
      });
      paying.set(key, payment);
      try {
        await payment;
      } finally {
        paying.delete(key);
      }
      return settings.epsilonPerWindow;
    },
    open(partnerId, streamName, contract, now, measures) {
      const { start, end } = windowOf(contract, now);
      const windowStart = start.toISOString();
      const key = keyOf(partnerId, streamName, windowStart);
      const horizon = Math.ceil((end.getTime() - start.getTime()) / tickMs);
      const noise = liveMeasureNoise(measures, settings.epsilonPerWindow);
      let counters = open.get(key);
      if (counters === undefined) {
        const stored = store.liveStream(key);
        if (stored?.frozen !== undefined) frozen.set(key, stored.frozen);
        counters = new Map(
          measures.map((measure) => [
            measure.name,
            createContinualCounter({
              horizon,
              ...(noise.get(measure.name) as LiveMeasureNoise),
              ...(stored?.counters[measure.name] ? { state: stored.counters[measure.name] } : {}),
            }),
          ]),
        );
        open.set(key, counters);
        if (stored === undefined) {
          store.saveLiveStream(key, partnerId, windowStart, { counters: {}, chargedAt: now.toISOString() });
        }
      }
      const own = counters;
      return {
        windowStart,
        windowEnd: end.getTime(),
        release(at, exact) {
          const tick = Math.min(horizon, Math.floor((at.getTime() - start.getTime()) / tickMs) + 1);
          const earlier = frozen.get(key);
          if (earlier !== undefined && earlier.tick === tick) return { ...earlier.values };
          const released: Record<string, number> = {};
          for (const measure of measures) {
            const counter = own.get(measure.name) as ContinualCounter;
            const units = Math.round((exact[measure.name] ?? 0) * measure.unitsPerValue);
            // Post-processing: a running total is never shown below zero.
            released[measure.name] = Math.max(0, counter.release(tick, units)) / measure.unitsPerValue;
          }
          frozen.set(key, { tick, values: released });
          store.saveLiveStream(key, partnerId, windowStart, {
            counters: Object.fromEntries([...own].map(([name, counter]) => [name, counter.state()])),
            chargedAt: store.liveStream(key)?.chargedAt ?? at.toISOString(),
            frozen: { tick, values: released },
          });
          return { ...released };
        },
      };
    },
  };
}
