/** Options of a simulation, their defaults and validation. */
import type { Placement } from '../schema/events.ts';
import { CATEGORIES, REGIONS } from './catalogue.ts';
import { SimulatorError } from './errors.ts';

/** Where and when demand for one category surges. */
export interface SurgeOptions {
  category: string;
  region: string;
  /** ISO start; default three simulated hours after the simulation's start. */
  startsAt?: string;
  durationMinutes: number;
  /** Purchases of the category in the region during the surge, as a multiple of the baseline. */
  multiplier: number;
  /**
   * Extra purchases an hour on top of the baseline, instead of `multiplier` (an absolute size: the same number of
   * buyers in a small region as in a large one).
   */
  extraPurchasesPerHour?: number;
}

/** One surge of a schedule: a start, and either a multiplier or a number of extra purchases an hour. */
export interface PlannedSurge {
  category: string;
  region: string;
  startsAt: string;
  durationMinutes: number;
  multiplier?: number;
  extraPurchasesPerHour?: number;
}

/** A surge with its times resolved. */
export interface ResolvedSurge {
  category: string;
  region: string;
  startMs: number;
  endMs: number;
  multiplier: number;
  /** When set, the surge's extra purchases an hour (else `(multiplier - 1)` times the baseline). */
  extraPurchasesPerHour: number | null;
}

/** A line item of a campaign in a region, as the host's ad server knows it. */
export interface AdLine {
  campaignId: string;
  sku: string;
  region: string;
}

/** What the simulated ad server asks before it serves a line: is it paused at `atMs`? */
export type AdServerPauses = (line: AdLine, atMs: number) => boolean;

/** A campaign on a placement, as the host's ad server bids for it. */
export interface AdBidLine {
  campaignId: string;
  placement: Placement;
}

/**
 * The bid multiplier the simulated ad server applies to a line at `atMs` (the bidding stage's feed). With it, the
 * ad server bids its base bid times the multiplier and wins a slot with probability
 * `min(1, AD_SERVER_BASE_WIN_RATE x multiplier)`; a lost slot is served to no campaign of ours and costs nothing.
 */
export type AdServerBids = (line: AdBidLine, atMs: number) => number;

/** The stock system's settings (see inventory.ts). */
export interface InventoryOptions {
  /** Stock-outs planted per simulated hour (default 2). */
  stockOutsPerHour?: number;
  /** Share of them that empty a campaign product in a whole region (default 0.5); the rest, one store's shelf. */
  regionalShare?: number;
  /**
   * Plant the first stock-out this many simulated minutes after the start, and make it regional (default: the
   * first one comes when the random process says, regional or not). The demo uses it so that a campaign line
   * pauses in its first minute.
   */
  firstRegionalAfterMinutes?: number;
  /** Inventory awareness of the ad server: it serves no line this says is paused (default: none paused). */
  adServerPauses?: AdServerPauses;
}

/** The stock system's settings with defaults applied. */
export interface ResolvedInventory {
  stockOutsPerHour: number;
  regionalShare: number;
  firstRegionalAfterMinutes: number | null;
  adServerPauses: AdServerPauses | null;
}

/** The in-store system's settings (see instore.ts). */
export interface InstoreOptions {
  /** Journeys of regulars with the store app per simulated hour (default 60). */
  journeysPerHour?: number;
  /** Most regulars (members with the app who come back; default 400). */
  regulars?: number;
  /** Zone sensors report every this many simulated minutes (default 15). */
  footTrafficEveryMinutes?: number;
  /** Share of zone entries seen by a zone's screen (the offer shows there), default 0.3. */
  screenShare?: number;
  /** Planted foot-traffic surges (default none): a region's zone sensors count `multiplier` times as many people. */
  footTrafficSurges?: FootTrafficSurgeOptions[];
}

/** A planted foot-traffic surge: every zone sensor of a region's stores reports more entries for a while. */
export interface FootTrafficSurgeOptions {
  region: string;
  /** ISO start. Sensor reports sent at or after it and before its end carry the surge. */
  startsAt: string;
  durationMinutes: number;
  /** Entries counted during the surge, as a multiple of the usual (at least 1). */
  multiplier: number;
}

/** A foot-traffic surge with its times resolved. */
export interface ResolvedFootTrafficSurge {
  region: string;
  startMs: number;
  endMs: number;
  multiplier: number;
}

/** The in-store system's settings with defaults applied. */
export interface ResolvedInstore {
  journeysPerHour: number;
  regulars: number;
  footTrafficEveryMinutes: number;
  screenShare: number;
  footTrafficSurges: ResolvedFootTrafficSurge[];
}

/** Options of {@link simulate} and {@link createWorld}. */
export interface SimulationOptions {
  /** Seed of every random choice (default 1). Same seed and options, same records byte for byte. */
  seed?: number;
  /** ISO start of simulated time (default `2026-03-02T00:00:00.000Z`). */
  start?: string;
  /** Number of shoppers (default 20,000); the simulated clock's pace follows it. */
  shoppers?: number;
  /** Visits (online sessions and store trips) per shopper per simulated day (default 2.4). */
  visitsPerShopperPerDay?: number;
  /** Stop after this many records, malformed ones included (default: no bound). */
  events?: number;
  /** Stop once simulated time passes start + this many hours (default: no bound). */
  simulatedHours?: number;
  /** Share of extra malformed records in [0, 1] (default 0). */
  malformedShare?: number;
  /** Prefix of every generated id (default `s<seed>`); vary it to replay a seed into a log that has it. */
  idPrefix?: string;
  /** The planted demand surge, or `false` for none (default plant_based_meat in west, 3x, 120 minutes). */
  surge?: Partial<SurgeOptions> | false;
  /**
   * More planted surges, each with its own start (e.g. the demo's schedule, `demoSurges`). No two surges (this
   * list and `surge`) may overlap in time.
   */
  surges?: PlannedSurge[];
  /** Number of click farms (default 2). */
  clickFarms?: number;
  /** Share of events delivered hours late (default 0.003). */
  lateShare?: number;
  /**
   * The stock system on `retail.inventory` with planted stock-outs (default off, so that a seed's stream without
   * it stays what it was): `true` for the defaults.
   */
  inventory?: InventoryOptions | boolean;
  /** Bid-aware ad server (see {@link AdServerBids}); default: every slot drawn is served, as before. */
  adServerBids?: AdServerBids;
  /**
   * In-store journeys and sensors on `retail.instore` (default off, so that a seed's stream without it stays what
   * it was): `true` for the defaults. Offers need the stock system's counts too (`inventory`).
   */
  instore?: InstoreOptions | boolean;
}

/** Options with defaults applied and times in epoch milliseconds. */
export interface ResolvedOptions {
  seed: number;
  startMs: number;
  shoppers: number;
  visitsPerShopperPerDay: number;
  maxEvents: number;
  endMs: number;
  malformedShare: number;
  idPrefix: string;
  /** Every planted surge, in time order. */
  surges: ResolvedSurge[];
  clickFarms: number;
  lateShare: number;
  /** The stock system, or null when off. */
  inventory: ResolvedInventory | null;
  adServerBids: AdServerBids | null;
  /** The in-store system, or null when off. */
  instore: ResolvedInstore | null;
}

/** Defaults of {@link SimulationOptions}. */
export const SIMULATION_DEFAULTS = {
  seed: 1,
  start: '2026-03-02T00:00:00.000Z',
  shoppers: 20_000,
  visitsPerShopperPerDay: 2.4,
  malformedShare: 0,
  clickFarms: 2,
  lateShare: 0.003,
  surge: {
    category: 'plant_based_meat',
    region: 'west',
    startAfterHours: 3,
    durationMinutes: 120,
    multiplier: 3,
  },
} as const;

const HOUR_MS = 3_600_000;

function invalid(option: string, reason: string): never {
  throw new SimulatorError('INVALID_OPTION', `${option} ${reason}`, { option });
}

function parseIso(option: string, text: string): number {
  const ms = Date.parse(text);
  if (!Number.isFinite(ms) || !/\d{4}-\d{2}-\d{2}T/.test(text))
    invalid(option, 'must be an ISO-8601 date-time');
  return ms;
}

function positive(option: string, value: number, integer: boolean): number {
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    invalid(option, `must be a positive ${integer ? 'integer' : 'number'}`);
  }
  return value;
}

function resolveSurge(
  option: string,
  given: Omit<PlannedSurge, 'startsAt' | 'multiplier' | 'extraPurchasesPerHour'> & {
    startsAt?: string | undefined;
    multiplier?: number | undefined;
    extraPurchasesPerHour?: number | undefined;
  },
  defaultStartMs: number,
): ResolvedSurge {
  if (!CATEGORIES.some((entry) => entry.name === given.category))
    invalid(`${option}.category`, `is not a category: ${given.category}`);
  if (!REGIONS.some((entry) => entry.name === given.region))
    invalid(`${option}.region`, `is not a region: ${given.region}`);
  const startMs =
    given.startsAt === undefined ? defaultStartMs : parseIso(`${option}.startsAt`, given.startsAt);
  const durationMinutes = positive(`${option}.durationMinutes`, given.durationMinutes, false);
  const extra = given.extraPurchasesPerHour;
  if (extra !== undefined) positive(`${option}.extraPurchasesPerHour`, extra, false);
  else if (given.multiplier === undefined) invalid(option, 'needs a multiplier or extraPurchasesPerHour');
  const multiplier = given.multiplier ?? 1;
  if (!(multiplier >= 1)) invalid(`${option}.multiplier`, 'must be at least 1');
  return {
    category: given.category,
    region: given.region,
    startMs,
    endMs: startMs + durationMinutes * 60_000,
    multiplier,
    extraPurchasesPerHour: extra ?? null,
  };
}

/** Apply defaults and validate; throws a {@link SimulatorError} `INVALID_OPTION` naming the option. */
export function resolveOptions(options: SimulationOptions = {}): ResolvedOptions {
  const seed = options.seed ?? SIMULATION_DEFAULTS.seed;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff)
    invalid('seed', 'must be an integer in [0, 2^32)');
  const startMs = parseIso('start', options.start ?? SIMULATION_DEFAULTS.start);
  const malformedShare = options.malformedShare ?? SIMULATION_DEFAULTS.malformedShare;
  if (!(malformedShare >= 0 && malformedShare <= 1)) invalid('malformedShare', 'must be in [0, 1]');
  const lateShare = options.lateShare ?? SIMULATION_DEFAULTS.lateShare;
  if (!(lateShare >= 0 && lateShare <= 1)) invalid('lateShare', 'must be in [0, 1]');
  const clickFarms = options.clickFarms ?? SIMULATION_DEFAULTS.clickFarms;
  if (!Number.isInteger(clickFarms) || clickFarms < 0 || clickFarms > 50)
    invalid('clickFarms', 'must be an integer in [0, 50]');
  const surges: ResolvedSurge[] = [];
  if (options.surge !== false) {
    const given = options.surge ?? {};
    const defaults = SIMULATION_DEFAULTS.surge;
    surges.push(
      resolveSurge(
        'surge',
        {
          category: given.category ?? defaults.category,
          region: given.region ?? defaults.region,
          startsAt: given.startsAt,
          durationMinutes: given.durationMinutes ?? defaults.durationMinutes,
          multiplier: given.multiplier ?? defaults.multiplier,
          extraPurchasesPerHour: given.extraPurchasesPerHour,
        },
        startMs + defaults.startAfterHours * HOUR_MS,
      ),
    );
  }
  for (const [index, given] of (options.surges ?? []).entries()) {
    if (given.startsAt === undefined) invalid(`surges[${index}].startsAt`, 'is required');
    surges.push(resolveSurge(`surges[${index}]`, given, startMs));
  }
  surges.sort((a, b) => a.startMs - b.startMs);
  for (let index = 1; index < surges.length; index += 1) {
    if (surges[index]!.startMs < surges[index - 1]!.endMs)
      invalid('surges', `overlap in time (one starts at ${new Date(surges[index]!.startMs).toISOString()})`);
  }
  return {
    seed,
    startMs,
    shoppers: positive('shoppers', options.shoppers ?? SIMULATION_DEFAULTS.shoppers, true),
    visitsPerShopperPerDay: positive(
      'visitsPerShopperPerDay',
      options.visitsPerShopperPerDay ?? SIMULATION_DEFAULTS.visitsPerShopperPerDay,
      false,
    ),
    maxEvents:
      options.events === undefined ? Number.POSITIVE_INFINITY : positive('events', options.events, true),
    endMs:
      options.simulatedHours === undefined
        ? Number.POSITIVE_INFINITY
        : startMs + positive('simulatedHours', options.simulatedHours, false) * HOUR_MS,
    malformedShare,
    idPrefix: options.idPrefix ?? `s${seed}`,
    surges,
    clickFarms,
    lateShare,
    inventory: resolveInventory(options.inventory),
    adServerBids: options.adServerBids ?? null,
    instore: resolveInstore(options.instore),
  };
}

function resolveInstore(given: InstoreOptions | boolean | undefined): ResolvedInstore | null {
  if (given === undefined || given === false) return null;
  const options = given === true ? {} : given;
  const journeysPerHour = options.journeysPerHour ?? 60;
  if (!(journeysPerHour >= 0 && journeysPerHour <= 100_000))
    invalid('instore.journeysPerHour', 'must be in [0, 100000]');
  const regulars = options.regulars ?? 400;
  if (!(Number.isInteger(regulars) && regulars >= 1))
    invalid('instore.regulars', 'must be a positive integer');
  const footTrafficEveryMinutes = options.footTrafficEveryMinutes ?? 15;
  if (!(
    Number.isInteger(footTrafficEveryMinutes) &&
    footTrafficEveryMinutes >= 1 &&
    footTrafficEveryMinutes <= 60
  ))
    invalid('instore.footTrafficEveryMinutes', 'must be an integer in [1, 60]');
  const screenShare = options.screenShare ?? 0.3;
  if (!(screenShare >= 0 && screenShare <= 1)) invalid('instore.screenShare', 'must be in [0, 1]');
  const footTrafficSurges = (options.footTrafficSurges ?? []).map((surge, index) => {
    const option = `instore.footTrafficSurges[${index}]`;
    if (!REGIONS.some((entry) => entry.name === surge.region))
      invalid(`${option}.region`, `is not a region: ${surge.region}`);
    const startMs = parseIso(`${option}.startsAt`, surge.startsAt);
    const durationMinutes = positive(`${option}.durationMinutes`, surge.durationMinutes, false);
    if (!(surge.multiplier >= 1)) invalid(`${option}.multiplier`, 'must be at least 1');
    return {
      region: surge.region,
      startMs,
      endMs: startMs + durationMinutes * 60_000,
      multiplier: surge.multiplier,
    };
  });
  footTrafficSurges.sort((a, b) => a.startMs - b.startMs);
  return { journeysPerHour, regulars, footTrafficEveryMinutes, screenShare, footTrafficSurges };
}

function resolveInventory(given: InventoryOptions | boolean | undefined): ResolvedInventory | null {
  if (given === undefined || given === false) return null;
  const options = given === true ? {} : given;
  const stockOutsPerHour = options.stockOutsPerHour ?? 2;
  if (!(stockOutsPerHour >= 0 && stockOutsPerHour <= 1_000))
    invalid('inventory.stockOutsPerHour', 'must be in [0, 1000]');
  const regionalShare = options.regionalShare ?? 0.5;
  if (!(regionalShare >= 0 && regionalShare <= 1)) invalid('inventory.regionalShare', 'must be in [0, 1]');
  const firstRegionalAfterMinutes = options.firstRegionalAfterMinutes ?? null;
  if (
    firstRegionalAfterMinutes !== null &&
    !(firstRegionalAfterMinutes >= 0 && firstRegionalAfterMinutes <= 10_080)
  )
    invalid('inventory.firstRegionalAfterMinutes', 'must be in [0, 10080] (a week)');
  return {
    stockOutsPerHour,
    regionalShare,
    firstRegionalAfterMinutes,
    adServerPauses: options.adServerPauses ?? null,
  };
}
