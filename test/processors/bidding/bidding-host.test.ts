/**
 * The bidding stage on the processor host over a real embedded log and real SQLite state files: each input moves
 * its reason the right way, malformed records are dead-lettered without stalling the stage, and a run stopped and
 * restarted between slices of its input writes exactly the records of an uninterrupted run, id by id and value by
 * value.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createBiddingHost } from '../../../processors/bidding/index.ts';
import { createEmbeddedLog } from '../../../processors/runtime/index.ts';
import type { Log, ProcessorHost } from '../../../processors/runtime/index.ts';
import { TOPICS, bidMultiplierSchema, deadLetterSchema } from '../../../schema/index.ts';
import type {
  AdCleanEvent,
  BidMultiplier,
  CampaignInfo,
  ConsentChange,
  IvtVerdict,
  Placement,
  PurchaseEvent,
  StockStatus,
} from '../../../schema/index.ts';
import { createTempDir, removeTempDir } from '../../helpers/temp-dir.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { readAll } from '../../helpers/read-topic.ts';

const resources: { hosts: ProcessorHost[]; logs: Log[]; dirs: string[] } = { hosts: [], logs: [], dirs: [] };

afterEach(async () => {
  for (const host of resources.hosts.splice(0)) await host.stop();
  for (const log of resources.logs.splice(0)) await log.close();
  for (const dir of resources.dirs.splice(0)) removeTempDir(dir);
});

const T0 = Date.parse('2026-03-02T06:00:00Z');
const iso = (seconds: number): string => new Date(T0 + seconds * 1_000).toISOString();
const consent = { measurement: true, personalization: true, partnerSharing: true };
const traffic = { ipClass: 'other' as const, botUserAgent: false, nonBrowserAgent: false };

const campaign: CampaignInfo = {
  campaignId: 'cmp-soda',
  brand: 'sparkle-soda',
  name: 'Soda',
  startsAt: '2026-03-01T00:00:00Z',
  endsAt: '2026-04-01T00:00:00Z',
  products: { brands: ['sparkle-soda'] },
  clickLookbackDays: 14,
  viewLookbackDays: 1,
  holdoutPercent: 0,
  dailyBudget: 1_000,
};

/** Ids are unique across every stream of the file, as raw event ids are, and log times only grow. */
let sequence = 0;
let logTime = T0;

/** One input record with the topic, key and log time it is produced with. */
interface Input {
  topic: string;
  key: string | null;
  value: unknown;
  at: number;
}

/** A stream builder: ad events with their verdicts, purchases, stock changes; log times one ms apart. */
function createStream() {
  const inputs: Input[] = [];
  const push = (topic: string, key: string | null, value: unknown): void => {
    inputs.push({ topic, key, value, at: (logTime += 1) });
  };
  return {
    inputs,
    campaign(value: CampaignInfo = campaign): void {
      push(TOPICS.campaigns, value.campaignId, value);
    },
    ad(
      placement: Placement,
      type: 'impression' | 'click',
      second: number,
      options: {
        valid?: boolean;
        subject?: string | null;
        cost?: number;
        consent?: { measurement: boolean; personalization: boolean; partnerSharing: boolean };
      } = {},
    ): void {
      sequence += 1;
      const adEventId = `ad-${sequence}`;
      const subjectId = options.subject === undefined ? `subject-${sequence}` : options.subject;
      const event: AdCleanEvent = {
        eventId: `retail.ad-events:${adEventId}`,
        occurredAt: iso(second),
        subjectId,
        consent: options.consent ?? consent,
        type,
        adEventId,
        campaignId: campaign.campaignId,
        placement,
        cost: options.cost ?? (type === 'click' ? 0.5 : 0.005),
        traffic,
      };
      push(TOPICS.events, subjectId, event);
      const valid = options.valid ?? true;
      const verdict: IvtVerdict = {
        verdictId: `ivt:${event.eventId}:0`,
        eventId: event.eventId,
        adEventId,
        campaignId: campaign.campaignId,
        subjectId,
        occurredAt: event.occurredAt,
        type,
        valid,
        tier: valid ? null : 'SIVT',
        reasons: valid ? [] : ['click_frequency'],
        revision: 0,
      };
      push(TOPICS.ivt, subjectId, verdict);
    },
    purchase(subject: string, second: number, sku = 'sparkle-soda-soda-1'): void {
      sequence += 1;
      const purchase: PurchaseEvent = {
        eventId: `retail.transactions:tx-${sequence}`,
        occurredAt: iso(second),
        subjectId: subject,
        consent,
        type: 'purchase',
        channel: 'online',
        region: 'west',
        orderId: `order-${sequence}`,
        currency: 'USD',
        items: [
          {
            sku,
            category: 'soda',
            brand: sku.startsWith('sparkle') ? 'sparkle-soda' : 'other',
            quantity: 1,
            unitPrice: 3,
          },
        ],
        revenue: 3,
      };
      push(TOPICS.events, subject, purchase);
    },
    stock(sku: string, region: string, inStock: boolean, second: number): void {
      sequence += 1;
      const status: StockStatus = {
        statusId: `stock:region:${sku}:${region}:inv-${sequence}`,
        level: 'region',
        sku,
        category: 'soda',
        brand: 'sparkle-soda',
        region,
        storesKnown: 4,
        storesInStock: inStock ? 4 : 0,
        inStockShare: inStock ? 1 : 0,
        inStock,
        at: iso(second),
      };
      push(TOPICS.stock, sku, status);
    },
    consentChange(subject: string, second: number, measurement: boolean, erased = false): void {
      sequence += 1;
      const change: ConsentChange = {
        changeId: `consent:retail.loyalty:change-${sequence}`,
        subjectId: subject,
        occurredAt: iso(second),
        consent: { ...consent, measurement },
        erased,
      };
      push(TOPICS.consent, subject, change);
    },
    raw(topic: string, text: string): void {
      inputs.push({ topic, key: 'bad', value: text, at: (logTime += 1) });
    },
  };
}

async function produce(log: Log, inputs: readonly Input[]): Promise<void> {
  for (const input of inputs) {
    await log.produce(input.topic, [
      {
        key: input.key,
        value: typeof input.value === 'string' ? input.value : JSON.stringify(input.value),
        timestamp: input.at,
      },
    ]);
  }
}

async function openLog(name: string): Promise<{ log: Log; dir: string }> {
  const dir = createTempDir(name);
  resources.dirs.push(dir);
  const log = createEmbeddedLog({ path: `${dir}/log.sqlite` });
  resources.logs.push(log);
  await log.createTopic(TOPICS.campaigns, { compacted: true });
  for (const topic of [
    TOPICS.stock,
    TOPICS.events,
    TOPICS.ivt,
    TOPICS.consent,
    TOPICS.bids,
    TOPICS.deadLetter,
  ])
    await log.createTopic(topic);
  return { log, dir };
}

async function startHost(log: Log, dir: string): Promise<ProcessorHost> {
  const host = createBiddingHost({ log, stateDir: `${dir}/state` });
  resources.hosts.push(host);
  await host.start();
  return host;
}

async function settle(host: ProcessorHost): Promise<void> {
  await waitFor(() => host.caughtUp(), { timeout: 30_000, interval: 100, message: 'bidding caught up' });
}

async function stopHost(host: ProcessorHost): Promise<void> {
  await host.stop();
  resources.hosts.splice(resources.hosts.indexOf(host), 1);
}

async function bids(log: Log): Promise<BidMultiplier[]> {
  return (await readAll(log, TOPICS.bids)).map((record) =>
    bidMultiplierSchema.parse(JSON.parse(record.value)),
  );
}

function latest(all: readonly BidMultiplier[], placement: Placement): BidMultiplier {
  const found = all.filter((bid) => bid.placement === placement).at(-1);
  if (found === undefined) throw new Error(`no bid for ${placement}`);
  return found;
}

const factorOf = (bid: BidMultiplier, code: string): number | undefined =>
  bid.reasons.find((reason) => reason.code === code)?.factor;

describe('the bidding stage on the processor host', () => {
  it('moves each reason with its input: invalid traffic, conversion rate, stock and pacing', async () => {
    const { log, dir } = await openLog('bidding-reasons');
    const stream = createStream();
    stream.campaign();
    stream.stock('sparkle-soda-soda-1', 'west', true, 0);
    stream.stock('sparkle-soda-soda-1', 'east', true, 0);
    // 60 ad events on each placement; a third of the app's are invalid.
    for (let n = 0; n < 60; n += 1) {
      stream.ad('search', 'impression', 10 + n);
      stream.ad('app', 'impression', 10 + n, { valid: n % 3 !== 0 });
    }
    // 20 clicks on each; search's clickers buy, app's do not.
    for (let n = 0; n < 20; n += 1) {
      stream.ad('search', 'click', 100 + n, { subject: `search-${n}` });
      stream.ad('app', 'click', 100 + n, { subject: `app-${n}` });
    }
    for (let n = 0; n < 10; n += 1) stream.purchase(`search-${n}`, 200 + n);
    // A purchase of another brand's product converts nothing.
    stream.purchase('app-0', 210, 'other-cola-1');
    await produce(log, stream.inputs);
    const host = await startHost(log, dir);
    await settle(host);
    const before = await bids(log);
    const search = latest(before, 'search');
    const app = latest(before, 'app');
    expect(factorOf(search, 'invalid_traffic')).toBe(1);
    // 20 invalid of 80 ad events: a quarter, which halves the bid.
    expect(factorOf(app, 'invalid_traffic')).toBeCloseTo(0.5, 1);
    expect(factorOf(search, 'conversion_rate')).toBeGreaterThan(1);
    expect(factorOf(app, 'conversion_rate')).toBeLessThan(1);
    expect(search.multiplier).toBeGreaterThan(app.multiplier);
    expect(search.bounded).toMatchObject({ adEvents: 80, invalidAdEvents: 0, clicks: 20, conversions: 10 });
    expect(app.bounded).toMatchObject({ adEvents: 80, invalidAdEvents: 20, clicks: 20, conversions: 0 });
    // Every ad event came from its own shopper (the clickers are 40 more): 160 contributors.
    expect(app.bounded.contributors).toBe(160);
    expect(host.stats().counts['conversion']).toBe(10);

    // A region runs out: half the campaign's lines are out of stock, every placement's bid halves its stock factor.
    const more = createStream();
    more.stock('sparkle-soda-soda-1', 'east', false, 300);
    await produce(log, more.inputs);
    await settle(host);
    const afterStock = await bids(log);
    expect(factorOf(latest(afterStock, 'search'), 'stock')).toBe(0.5);
    expect(latest(afterStock, 'search').multiplier).toBeLessThan(search.multiplier);

    // Expensive clicks put the campaign ahead of its daily plan; then it spends its day and stops.
    const spend = createStream();
    spend.ad('search', 'click', 400, { cost: 600 });
    await produce(log, spend.inputs);
    await settle(host);
    expect(factorOf(latest(await bids(log), 'search'), 'pacing')).toBeLessThan(1);
    const spent = createStream();
    spent.ad('search', 'click', 500, { cost: 600 });
    await produce(log, spent.inputs);
    await settle(host);
    const stopped = latest(await bids(log), 'search');
    expect(factorOf(stopped, 'pacing')).toBe(0);
    expect(stopped.multiplier).toBe(0);
    const all = await bids(log);
    expect(new Set(all.map((bid) => bid.bidId)).size).toBe(all.length);
  }, 90_000);

  it('clamps each contributor’s share of the running totals brands are answered from, per campaign (spend: per day)', async () => {
    const { log, dir } = await openLog('bidding-bounds');
    const stream = createStream();
    stream.campaign();
    // One shopper clicks 30 times at 1.00 on day one and buys 7 times; 10 more clicks on day two.
    for (let n = 0; n < 30; n += 1) stream.ad('search', 'click', 10 + n, { subject: 'busy', cost: 1 });
    for (let n = 0; n < 7; n += 1) stream.purchase('busy', 100 + n);
    for (let n = 0; n < 10; n += 1) stream.ad('search', 'click', 86_400 + n, { subject: 'busy', cost: 1 });
    // An anonymous bot without device or network: its events share one allowance.
    for (let n = 0; n < 120; n += 1) stream.ad('home', 'impression', 200 + n, { subject: null });
    // Its only line runs out of stock: every placement is written with the totals as they stand.
    stream.stock('sparkle-soda-soda-1', 'west', false, 90_000);
    await produce(log, stream.inputs);
    const host = await startHost(log, dir);
    await settle(host);
    const all = await bids(log);
    const search = latest(all, 'search');
    // For good: 40 ad events (of 100 allowed), 10 clicks, 5 conversions; spend 5.00 on each day.
    expect(search.bounded).toMatchObject({ adEvents: 40, clicks: 10, conversions: 5 });
    // The bot: 100 of its 120 ad events, and 120 x 0.005 of spend.
    expect(latest(all, 'home').bounded).toMatchObject({ adEvents: 100, contributors: 2, spend: 10.6 });
    expect(latest(all, 'home').multiplier).toBe(0);
    expect(search.bounded.bounds).toEqual({ adEvents: 100, clicks: 10, conversions: 5, spend: 5 });
    // The host's live counts are not clamped, only decayed (12-hour half-life): 30 clicks a day before the stock
    // change and 10 an hour before it.
    const conversion = search.reasons.find((reason) => reason.code === 'conversion_rate');
    const decayed = (clicks: number, ageSeconds: number): number => clicks * 2 ** (-ageSeconds / 43_200);
    expect(conversion?.observed['placementClicks']).toBeCloseTo(
      decayed(30, 90_000 - 25) + decayed(10, 90_000 - 86_405),
      1,
    );
  }, 90_000);

  it('writes every change of the bounded totals: one shopper moves what brands read by its own contribution only', async () => {
    // Brands are answered from the latest records. A differencing brand compares two worlds that differ by one
    // shopper's single impression: the totals it reads must differ by that shopper's contribution (1 contributor,
    // 1 ad event), not by every other shopper's events since the last record, as they would if a record were
    // written only once the totals grew by some margin (then the 41st shopper alone decides whether 20 more
    // contributors show).
    const unbudgeted: CampaignInfo = { ...campaign, dailyBudget: undefined };
    const world = (withShopper: boolean) => {
      const stream = createStream();
      stream.campaign(unbudgeted);
      for (let n = 0; n < 40; n += 1)
        stream.ad('search', 'impression', 10 + n, { subject: `s-${n}`, cost: 0 });
      if (withShopper) stream.ad('search', 'impression', 60, { subject: 'the-known-shopper', cost: 0 });
      return stream.inputs;
    };
    const read = async (inputs: readonly Input[], name: string) => {
      const { log, dir } = await openLog(name);
      await produce(log, inputs);
      await settle(await startHost(log, dir));
      const search = latest(await bids(log), 'search');
      return { adEvents: search.bounded.adEvents, contributors: search.bounded.contributors };
    };
    const without = await read(world(false), 'bidding-without');
    const withShopper = await read(world(true), 'bidding-with');
    expect(without).toEqual({ adEvents: 40, contributors: 40 });
    expect(withShopper).toEqual({ adEvents: 41, contributors: 41 });
  }, 90_000);

  it('keeps ad events whose consent does not allow measurement out of the totals brands see', async () => {
    const { log, dir } = await openLog('bidding-consent');
    const stream = createStream();
    stream.campaign({ ...campaign, dailyBudget: undefined });
    const notMeasurable = { measurement: false, personalization: true, partnerSharing: true };
    for (let n = 0; n < 3; n += 1)
      stream.ad('search', 'click', 10 + n, { subject: 'private', consent: notMeasurable, cost: 1 });
    stream.ad('search', 'impression', 20, { subject: 'measured', cost: 0 });
    await produce(log, stream.inputs);
    await settle(await startHost(log, dir));
    const search = latest(await bids(log), 'search');
    // The host's ad server counts all four; a brand's totals only the measured shopper's impression.
    expect(search.bounded).toMatchObject({ adEvents: 1, clicks: 0, contributors: 1, spend: 0 });
    expect(
      search.reasons.find((reason) => reason.code === 'conversion_rate')?.observed['placementClicks'],
    ).toBeCloseTo(3, 1);
  }, 90_000);

  it('takes a shopper out of the totals brands see when they withdraw measurement or are erased, for good', async () => {
    const { log, dir } = await openLog('bidding-withdrawal');
    const stream = createStream();
    stream.campaign({ ...campaign, dailyBudget: undefined });
    // Three shoppers: one stays, one withdraws measurement (and later consents again), one is erased.
    for (const subject of ['stays', 'withdraws', 'erased']) {
      stream.ad('search', 'impression', 10, { subject, cost: 0.01 });
      stream.ad('search', 'click', 11, { subject, cost: 1 });
      stream.ad('home', 'impression', 12, { subject, cost: 0.01 });
      stream.purchase(subject, 20);
    }
    stream.ad('home', 'impression', 25, { subject: 'invalid', cost: 0, valid: false });
    await produce(log, stream.inputs);
    const host = await startHost(log, dir);
    await settle(host);
    const before = await bids(log);
    expect(latest(before, 'search').bounded).toMatchObject({ adEvents: 6, clicks: 3, conversions: 3 });
    expect(latest(before, 'home').bounded).toMatchObject({
      adEvents: 4,
      invalidAdEvents: 1,
      contributors: 4,
    });

    const later = createStream();
    later.consentChange('withdraws', 30, false);
    later.consentChange('erased', 31, false, true);
    // Consent given again, then more events and a purchase: the shopper who withdrew never counts again.
    later.consentChange('withdraws', 40, true);
    later.ad('search', 'click', 41, { subject: 'withdraws', cost: 1 });
    later.purchase('withdraws', 42);
    await produce(log, later.inputs);
    await settle(host);
    const after = await bids(log);
    const search = latest(after, 'search');
    const home = latest(after, 'home');
    // Only the shopper who stayed (and the invalid anonymous-looking one on home) remain.
    expect(search.bounded).toMatchObject({ adEvents: 2, clicks: 1, conversions: 1, contributors: 2 });
    expect(home.bounded).toMatchObject({ adEvents: 2, invalidAdEvents: 1, contributors: 2 });
    // Spend: the stayer's 1.02; the invalid event cost nothing.
    expect(search.bounded.spend).toBeCloseTo(1.02, 6);
    // The host's live counts are its own: the records written at the withdrawals still hold all three clicks
    // (decayed over seconds); the later click moved neither the brands' totals nor the multiplier enough to write.
    expect(
      search.reasons.find((reason) => reason.code === 'conversion_rate')?.observed['placementClicks'],
    ).toBeCloseTo(3, 1);
  }, 90_000);

  it('writes every placement when stock changes, so the stock brands see never waits for a shopper’s event', async () => {
    const { log, dir } = await openLog('bidding-stock-now');
    const stream = createStream();
    stream.campaign({ ...campaign, dailyBudget: undefined });
    // 25 lines in stock, then one goes out: the stock factor moves 1 -> 0.96, less than a record's 0.05.
    for (let region = 0; region < 25; region += 1)
      stream.stock('sparkle-soda-soda-1', `r-${region}`, true, 0);
    stream.ad('search', 'impression', 10, { cost: 0 });
    stream.ad('app', 'impression', 11, { cost: 0 });
    stream.stock('sparkle-soda-soda-1', 'r-0', false, 20);
    await produce(log, stream.inputs);
    await settle(await startHost(log, dir));
    // Had it waited for the next record a shopper's event writes, the brand would see the stock change the moment
    // some shopper acted: a push telling it that one did.
    const all = await bids(log);
    expect(factorOf(latest(all, 'search'), 'stock')).toBe(0.96);
    expect(factorOf(latest(all, 'app'), 'stock')).toBe(0.96);
  }, 90_000);

  it('dead-letters malformed records of every input with a reason and carries on', async () => {
    const { log, dir } = await openLog('bidding-poison');
    const stream = createStream();
    stream.campaign();
    stream.raw(TOPICS.campaigns, '{"campaignId": 7}');
    stream.raw(TOPICS.stock, 'not json');
    stream.raw(TOPICS.events, JSON.stringify({ type: 'impression', eventId: 'x' }));
    stream.raw(TOPICS.ivt, JSON.stringify({ verdictId: 'v', valid: 'yes' }));
    for (let n = 0; n < 30; n += 1) stream.ad('home', 'impression', n);
    await produce(log, stream.inputs);
    const host = await startHost(log, dir);
    await settle(host);
    const letters = (await readAll(log, TOPICS.deadLetter)).map((record) =>
      deadLetterSchema.parse(JSON.parse(record.value)),
    );
    expect(letters.map((letter) => letter.sourceTopic).sort()).toEqual(
      [TOPICS.campaigns, TOPICS.events, TOPICS.ivt, TOPICS.stock].sort(),
    );
    for (const letter of letters) expect(letter.reason.length).toBeGreaterThan(0);
    // Written at every counted ad event (brands are answered from the latest record): every good one after the bad.
    expect((await bids(log)).map((bid) => bid.bounded.adEvents)).toEqual(
      Array.from({ length: 30 }, (_, n) => n + 1),
    );
  }, 90_000);

  it('writes exactly the records of an uninterrupted run when stopped and restarted between slices', async () => {
    const stream = createStream();
    stream.campaign();
    stream.stock('sparkle-soda-soda-1', 'west', true, 0);
    const placements: Placement[] = ['search', 'app', 'home', 'product_page'];
    for (let n = 0; n < 400; n += 1) {
      const placement = placements[n % 4] as Placement;
      stream.ad(placement, n % 5 === 0 ? 'click' : 'impression', 10 + n * 30, {
        valid: n % 7 !== 0,
        subject: `shopper-${n % 37}`,
        cost: n % 5 === 0 ? 0.8 : 0.01,
      });
      if (n % 11 === 0) stream.purchase(`shopper-${n % 37}`, 20 + n * 30);
      if (n % 97 === 0) stream.stock('sparkle-soda-soda-1', 'west', n % 2 === 0, 25 + n * 30);
    }
    const { log: straightLog, dir: straightDir } = await openLog('bidding-straight');
    await produce(straightLog, stream.inputs);
    const straight = await startHost(straightLog, straightDir);
    await settle(straight);
    const expected = await bids(straightLog);
    expect(expected.length).toBeGreaterThan(20);

    const { log, dir } = await openLog('bidding-restarted');
    const slices = [0, 300, 700, 1_100, stream.inputs.length];
    for (let index = 0; index + 1 < slices.length; index += 1) {
      await produce(log, stream.inputs.slice(slices[index], slices[index + 1]));
      const host = await startHost(log, dir);
      await settle(host);
      await stopHost(host);
    }
    expect(await bids(log)).toEqual(expected);
  }, 120_000);
});
