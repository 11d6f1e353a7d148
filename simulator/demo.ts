/**
 * The embedded demo's world (`cleanroom serve` on the embedded log): the default world plus a schedule of planted
 * demand surges, so cross-industry triggers keep firing for as long as anyone watches, not only in the first minute.
 *
 * At the demo's default rate (400 records a second) simulated time runs about 100 times faster than the wall
 * clock, so a surge every 90 simulated minutes is one about every 50 seconds. Each surge lasts exactly one demand
 * window of the demo's trigger processor (15 simulated minutes, aligned to the window) and adds the same number
 * of purchases in whichever region it is in: about 240 buyers of plant-based meat in the window, where the region
 * normally has 7 to 12. That is well above a restaurant chain's k of 50 (also after a release threshold a few dozen
 * above k, with noise) and a lift far above 2. The regions take turns, so each region's baseline has long
 * recovered when its turn comes again.
 *
 * The demo also runs the stock system (simulator/inventory.ts): stock-outs pause campaign lines for a minute or so
 * of wall-clock time, and resume them on restock.
 */
import { REGIONS } from './catalogue.ts';
import { SIMULATION_DEFAULTS } from './options.ts';
import type { PlannedSurge, SimulationOptions } from './options.ts';

const MINUTE_MS = 60_000;

/** The demo's pace and schedule. */
export const DEMO_SCHEDULE = {
  /** Demand windows of the demo's trigger processor, in simulated minutes. */
  triggerWindowMinutes: 15,
  /** Windows of history the trigger processor needs before it trusts a baseline. */
  warmupWindows: 2,
  /** The first surge begins this long after the simulation starts (after the warm-up windows). */
  firstSurgeAfterMinutes: 30,
  /** A new surge begins this often. */
  surgeEveryMinutes: 90,
  /** Each surge lasts one demand window. */
  surgeMinutes: 15,
  category: 'plant_based_meat',
  /** Surges go round the regions in this order. */
  regions: REGIONS.map((region) => region.name),
  /** Extra purchases an hour during a surge: 240 in its 15 minutes, nearly all by distinct buyers. */
  extraPurchasesPerHour: 960,
  /** How far the schedule reaches (simulated days; about five hours of the demo at its default rate). */
  days: 21,
} as const;

/**
 * The planted surges of a demo whose simulated time starts at `startMs` (which should be a multiple of the demand
 * window, as the default start is, so each surge fills exactly one window).
 *
 * @example
 * simulate({ surge: false, surges: demoSurges(Date.parse(SIMULATION_DEFAULTS.start)) });
 */
export function demoSurges(startMs: number): PlannedSurge[] {
  const schedule = DEMO_SCHEDULE;
  const first = startMs + schedule.firstSurgeAfterMinutes * MINUTE_MS;
  const end = startMs + schedule.days * 24 * 60 * MINUTE_MS;
  const surges: PlannedSurge[] = [];
  for (let at = first, turn = 0; at < end; at += schedule.surgeEveryMinutes * MINUTE_MS, turn += 1) {
    surges.push({
      category: schedule.category,
      region: schedule.regions[turn % schedule.regions.length]!,
      startsAt: new Date(at).toISOString(),
      durationMinutes: schedule.surgeMinutes,
      extraPurchasesPerHour: schedule.extraPurchasesPerHour,
    });
  }
  return surges;
}

/** Where a demo's simulated time starts: the default start, or (on a restart) the next window after `resumeAfterMs`. */
export function demoStart(resumeAfterMs?: number): number {
  const defaultStart = Date.parse(SIMULATION_DEFAULTS.start);
  if (resumeAfterMs === undefined || !(resumeAfterMs > defaultStart)) return defaultStart;
  const windowMs = DEMO_SCHEDULE.triggerWindowMinutes * MINUTE_MS;
  return (Math.floor(resumeAfterMs / windowMs) + 1) * windowMs;
}

/**
 * The simulation options of the embedded demo: the default world of `seed`, starting at `startMs` (see
 * {@link demoStart}), with the demo's surges instead of the default single one.
 */
export function demoSimulationOptions(options: {
  seed: number;
  startMs: number;
  idPrefix?: string;
}): SimulationOptions {
  return {
    seed: options.seed,
    start: new Date(options.startMs).toISOString(),
    surge: false,
    surges: demoSurges(options.startMs),
    // Stock-outs every half hour of simulated time (about every 20 s of the demo), half of them regional, the
    // first one regional after 15 simulated minutes: a campaign's line pauses in a region in the demo's first
    // minute (with the random first stock-out alone it took two to three).
    inventory: { stockOutsPerHour: 2, firstRegionalAfterMinutes: 15 },
    // Regulars with the store app: zone entries from the first simulated minutes, offers from their second trip
    // (about 20 s into the demo), redeemed at the till a few simulated minutes later.
    instore: { journeysPerHour: 90 },
    ...(options.idPrefix !== undefined ? { idPrefix: options.idPrefix } : {}),
  };
}
