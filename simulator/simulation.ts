/**
 * The simulation: independent Poisson processes (shopper visits, consent changes, click farms, bots,
 * scrapers, planted surges) generate events into a schedule; records leave it in delivery order. The generator
 * knows nothing about where records go (jsonl, the embedded log, Kafka).
 */
import { createContext, isoAt } from './context.ts';
import { SimulatorError } from './errors.ts';
import type { SimulationContext } from './context.ts';
import { botCrawl, clickFarmBurst, dataCentreScrape } from './invalid-traffic.ts';
import { changeConsent, ensureProfile } from './loyalty.ts';
import { makeMalformed } from './malformed.ts';
import { runOnlineSession } from './online-session.ts';
import type { SimulationOptions } from './options.ts';
import { createRandom } from './random.ts';
import type { SimulatedRecord } from './record.ts';
import { createSchedule } from './schedule.ts';
import { runStoreTrip } from './store-trip.ts';
import { ONLINE_VISIT_SHARE, surgeExtraPerHour, surgePurchase, visitsPerHour } from './surge.ts';
import { buildGroundTruth } from './ground-truth.ts';
import type { GroundTruth } from './truth.ts';
import { createWorld } from './world.ts';
import { createStockSystem } from './inventory.ts';
import type { StockSystem } from './inventory.ts';
import { createInstoreSystem } from './instore.ts';
import type { InstoreSystem } from './instore.ts';
import type { World } from './world.ts';

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;
/** How long after its window a zone sensor reports its count. */
const SENSOR_DELAY_MS = 5_000;

/** A running simulation: iterate it once for its records; ask for the truth of what was emitted so far. */
export interface Simulation extends Iterable<SimulatedRecord> {
  readonly world: World;
  /** Records emitted so far. */
  readonly emitted: number;
  /** Simulated time of the last emitted record (epoch ms). */
  readonly clockMs: number;
  /** The ground truth, limited to records emitted so far. */
  groundTruth(): GroundTruth;
}

interface Process {
  nextAt: number;
  /** Mean gap between occurrences in simulated ms, or null when inactive at `atMs`. */
  gap(atMs: number): number | null;
  run(atMs: number): void;
  /** The next occurrence after one at `atMs`, when the process does not follow `gap`. */
  next?(atMs: number): number;
}

function visit(ctx: SimulationContext, atMs: number): void {
  const shopper = ctx.random.pick(ctx.world.shoppers);
  if (shopper.erased) return;
  ensureProfile(ctx, shopper, atMs);
  if (ctx.random.chance(ONLINE_VISIT_SHARE)) runOnlineSession(ctx, shopper, atMs);
  else runStoreTrip(ctx, shopper, atMs);
}

function createProcesses(
  ctx: SimulationContext,
  stock: StockSystem | null,
  instore: InstoreSystem | null,
): Process[] {
  const { world } = ctx;
  const { startMs, surges } = world.options;
  const every = (perHour: number) => () => (perHour > 0 ? HOUR_MS / perHour : null);
  const processes: Process[] = [
    { nextAt: startMs, gap: every(visitsPerHour(world)), run: (at) => visit(ctx, at) },
    { nextAt: startMs, gap: every(30), run: (at) => changeConsent(ctx, at) },
    { nextAt: startMs, gap: every(world.clickFarms.length * 2), run: (at) => clickFarmBurst(ctx, at) },
    { nextAt: startMs, gap: every(6), run: (at) => botCrawl(ctx, at) },
    { nextAt: startMs, gap: every(4), run: (at) => dataCentreScrape(ctx, at) },
  ];
  for (const process of processes) {
    const gap = process.gap(process.nextAt);
    process.nextAt = gap === null ? Number.POSITIVE_INFINITY : process.nextAt + ctx.random.exponential(gap);
  }
  if (surges.length > 0) processes.push(surgeProcess(ctx));
  if (stock !== null) processes.push(stockOutProcess(ctx, stock));
  if (instore !== null) processes.push(...instoreProcesses(ctx, instore));
  return processes;
}

/**
 * In-store journeys (a Poisson process) and the zone sensors' schedule, on the in-store system's own random
 * stream (behaviour is left as it was).
 */
function instoreProcesses(ctx: SimulationContext, instore: InstoreSystem): Process[] {
  const { startMs, instore: settings, seed } = ctx.world.options;
  const perHour = settings?.journeysPerHour ?? 0;
  const everyMs = (settings?.footTrafficEveryMinutes ?? 15) * 60_000;
  const random = createRandom(seed).fork('instore-journeys');
  const next = (at: number): number =>
    perHour > 0 ? at + random.exponential(HOUR_MS / perHour) : Number.POSITIVE_INFINITY;
  return [
    { nextAt: next(startMs), gap: () => null, run: (at) => instore.journey(at), next },
    {
      // A sensor reports a few seconds after its window closes.
      nextAt: startMs + everyMs + SENSOR_DELAY_MS,
      gap: () => null,
      run: (at) => instore.footTraffic(at),
      next: (at) => at + everyMs,
    },
  ];
}

/** Planted stock-outs: a Poisson process on the stock system's own random stream (behaviour is left as it was). */
function stockOutProcess(ctx: SimulationContext, stock: StockSystem): Process {
  const { startMs, inventory, seed } = ctx.world.options;
  const perHour = inventory?.stockOutsPerHour ?? 0;
  const random = createRandom(seed).fork('stock-outs');
  const next = (at: number): number =>
    perHour > 0 ? at + random.exponential(HOUR_MS / perHour) : Number.POSITIVE_INFINITY;
  // A first regional stock-out at a set time (the demo's), then the random process from there.
  const firstAt = inventory?.firstRegionalAfterMinutes ?? null;
  let planted = 0;
  return {
    nextAt: firstAt === null ? next(startMs) : startMs + firstAt * MINUTE_MS,
    gap: () => null,
    run: (at) => {
      stock.plantStockOut(at, planted === 0 && firstAt !== null ? true : undefined);
      planted += 1;
    },
    next,
  };
}

/**
 * Every planted surge as one process: a Poisson process of extra purchases inside each surge's span, which moves
 * on to the next surge when one ends (one process for a whole schedule keeps the choice of the next process cheap).
 */
function surgeProcess(ctx: SimulationContext): Process {
  const { world } = ctx;
  const surges = world.options.surges;
  const rates = surges.map((surge) => surgeExtraPerHour(world, surge));
  let current = 0;
  /** The first extra purchase at or after `fromMs` in surge `index` or a later one. */
  const firstFrom = (index: number, fromMs: number): number => {
    for (current = index; current < surges.length; current += 1) {
      const surge = surges[current]!;
      const rate = rates[current]!;
      if (rate <= 0) continue;
      const at = Math.max(fromMs, surge.startMs) + ctx.random.exponential(HOUR_MS / rate);
      if (at < surge.endMs) return at;
    }
    return Number.POSITIVE_INFINITY;
  };
  const process: Process = {
    nextAt: firstFrom(0, surges[0]!.startMs),
    gap: () => null,
    run: (at) => surgePurchase(ctx, current, at),
    next: (at) => firstFrom(current, at),
  };
  return process;
}

/**
 * Start a simulation. Iterating yields `{ topic, key, value }` records in delivery order: campaigns first,
 * then the world's traffic, until `events` records or `simulatedHours` (unbounded if neither is given).
 *
 * @example
 * const simulation = simulate({ seed: 7, events: 10_000 });
 * for (const record of simulation) produce(record.topic, toProduceMessage(record));
 * const truth = simulation.groundTruth();
 */
export function simulate(options: SimulationOptions = {}): Simulation {
  const world = createWorld(options);
  const { maxEvents, endMs, malformedShare, startMs } = world.options;
  const root = createRandom(world.options.seed);
  const malformedRandom = root.fork('malformed');
  const schedule = createSchedule();
  const ctx = createContext(world, root.fork('behaviour'), schedule);
  const inventory = world.options.inventory;
  const stock = inventory === null ? null : createStockSystem(ctx, root.fork('inventory'), inventory);
  ctx.stock = stock;
  const instoreSettings = world.options.instore;
  const instore =
    instoreSettings === null ? null : createInstoreSystem(ctx, root.fork('instore'), instoreSettings, stock);
  const recordsByTopic: Record<string, number> = {};
  let emitted = 0;
  let clockMs = startMs;
  let started = false;

  function* records(): Generator<SimulatedRecord> {
    for (const campaign of world.campaigns) {
      ctx.publish('retail.campaigns', campaign.event.campaignId, campaign.event, startMs, { onTime: true });
    }
    stock?.openingCounts(startMs);
    const processes = createProcesses(ctx, stock, instore);
    for (;;) {
      let next = processes[0] as Process;
      for (const process of processes) if (process.nextAt < next.nextAt) next = process;
      const until = Math.min(next.nextAt, endMs);
      for (
        let pending = schedule.peek();
        pending !== undefined && pending.emitAt <= until;
        pending = schedule.peek()
      ) {
        schedule.pop();
        const record: SimulatedRecord = { topic: pending.topic, key: pending.key, value: pending.value };
        if (
          malformedShare > 0 &&
          pending.topic !== 'retail.campaigns' &&
          malformedRandom.chance(malformedShare)
        ) {
          const broken = makeMalformed(malformedRandom, record);
          ctx.truth.malformed.push({
            index: emitted,
            topic: pending.topic,
            kind: broken.kind,
            ...(broken.eventId === undefined ? {} : { eventId: broken.eventId }),
          });
          recordsByTopic[pending.topic] = (recordsByTopic[pending.topic] ?? 0) + 1;
          emitted += 1;
          yield broken.record;
          if (emitted >= maxEvents) return;
        }
        pending.emitted = true;
        pending.onEmit?.(pending);
        clockMs = Math.max(clockMs, pending.emitAt);
        recordsByTopic[pending.topic] = (recordsByTopic[pending.topic] ?? 0) + 1;
        emitted += 1;
        yield record;
        if (emitted >= maxEvents) return;
      }
      if (next.nextAt > endMs || next.nextAt === Number.POSITIVE_INFINITY) return;
      next.run(next.nextAt);
      if (next.next !== undefined) {
        next.nextAt = next.next(next.nextAt);
        continue;
      }
      const gap = next.gap(next.nextAt);
      next.nextAt = gap === null ? Number.POSITIVE_INFINITY : next.nextAt + ctx.random.exponential(gap);
    }
  }

  return {
    world,
    get emitted() {
      return emitted;
    },
    get clockMs() {
      return clockMs;
    },
    [Symbol.iterator]() {
      if (started) throw new SimulatorError('ALREADY_STARTED', 'a simulation can be iterated only once');
      started = true;
      return records();
    },
    groundTruth: () =>
      buildGroundTruth(
        ctx,
        { emitted, recordsByTopic, lastEventAt: isoAt(clockMs) },
        stock?.stockOuts ?? null,
        instore?.truth() ?? null,
      ),
  };
}
