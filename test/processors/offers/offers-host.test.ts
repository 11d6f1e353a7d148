/**
 * The offer engine on the processor host over a real embedded log and real SQLite state files: at most one offer per
 * zone entry, only to shoppers whose consent allows personalization, only for products in stock in that store,
 * within segment eligibility and every cap; redemptions within the window; the offer record names no shopper;
 * the report's counts are bounded; a withdrawal forgets what personalizes; malformed input is dead-lettered and
 * the stage carries on; state survives a restart.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createOffersHost } from '../../../processors/offers/index.ts';
import type { OfferDefinition } from '../../../processors/offers/index.ts';
import { createEmbeddedLog } from '../../../processors/runtime/index.ts';
import type { Log, ProcessorHost } from '../../../processors/runtime/index.ts';
import { TOPICS, deadLetterSchema, offerRecordSchema, offerStatSchema } from '../../../schema/topics.ts';
import type {
  ConsentChange,
  InstoreCleanEvent,
  InventoryLevel,
  OfferMade,
  OfferRecord,
  OfferStat,
  PurchaseEvent,
  SegmentChange,
} from '../../../schema/topics.ts';
import { createTempDir, removeTempDir } from '../../helpers/temp-dir.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { readAll } from '../../helpers/read-topic.ts';

const resources: { hosts: ProcessorHost[]; log?: Log; dir?: string } = { hosts: [] };

afterEach(async () => {
  for (const host of resources.hosts.splice(0)) await host.stop();
  await resources.log?.close();
  if (resources.dir) removeTempDir(resources.dir);
});

const T0 = Date.parse('2026-03-02T09:00:00Z');
const iso = (minutes: number): string => new Date(T0 + minutes * 60_000).toISOString();
const CONSENT = { measurement: true, personalization: true, partnerSharing: true };
const NO_PERSONALIZATION = { measurement: true, personalization: false, partnerSharing: true };

const OAT_MILK: OfferDefinition = {
  offerCode: 'oat-milk-20',
  brand: 'fresh-oats',
  sku: 'oat-milk',
  discountPercent: 20,
  segments: [],
  zones: ['dairy'],
  validHours: 24,
  caps: { perShopperPerDay: 1, perDay: 3 },
};
const OAT_BAR: OfferDefinition = {
  offerCode: 'oat-bar-10',
  brand: 'fresh-oats',
  sku: 'oat-bar',
  discountPercent: 10,
  segments: ['plant-milk-buyers'],
  zones: [],
  validHours: 2,
  caps: { perShopperPerDay: 1, perDay: 100 },
};
const SODA: OfferDefinition = {
  offerCode: 'soda-15',
  brand: 'sparkle-soda',
  sku: 'soda-1',
  discountPercent: 15,
  segments: [],
  zones: ['beverages'],
  validHours: 24,
  caps: { perShopperPerDay: 1, perDay: 100 },
};

let sequence = 0;
const next = (): number => (sequence += 1);

const stock = (storeId: string, sku: string, inStock: boolean, minutes: number): InventoryLevel => ({
  eventId: `retail.inventory:inv-${next()}`,
  occurredAt: iso(minutes),
  storeId,
  region: 'west',
  sku,
  category: sku === 'soda-1' ? 'soda' : 'plant_based_milk',
  brand: sku === 'soda-1' ? 'sparkle-soda' : 'fresh-oats',
  onHand: inStock ? 12 : 0,
  onOrder: inStock ? 0 : 24,
});

const purchase = (
  subjectId: string,
  sku: string,
  minutes: number,
  consent = CONSENT,
  quantity = 1,
): PurchaseEvent => ({
  eventId: `retail.transactions:t-${next()}`,
  occurredAt: iso(minutes),
  subjectId,
  consent,
  type: 'purchase',
  channel: 'store',
  storeId: 'store-west-01',
  region: 'west',
  orderId: `o-${sequence}`,
  currency: 'USD',
  items: [
    {
      sku,
      category: sku === 'soda-1' ? 'soda' : 'plant_based_milk',
      brand: 'x',
      quantity,
      unitPrice: 2,
    },
  ],
  revenue: 2 * quantity,
});

const entry = (
  subjectId: string | null,
  zone: string,
  minutes: number,
  options: { storeId?: string; consent?: typeof CONSENT; screenId?: string } = {},
): Extract<InstoreCleanEvent, { kind: 'zone_entry' }> => {
  const id = `z-${next()}`;
  return {
    eventId: `retail.instore:${id}`,
    occurredAt: iso(minutes),
    storeId: options.storeId ?? 'store-west-01',
    region: 'west',
    zone,
    kind: 'zone_entry',
    entryId: id,
    subjectId,
    consent: options.consent ?? CONSENT,
    ...(options.screenId === undefined ? {} : { screenId: options.screenId }),
  };
};

const entered = (subjectId: string, segmentId: string, minutes: number): SegmentChange => ({
  changeId: `seg:${segmentId}:${subjectId}:${next()}`,
  segmentId,
  subjectId,
  action: 'entered',
  at: iso(minutes),
  cause: 'event',
  segmentSize: 1,
  partnerSharing: true,
});

type Input =
  | { topic: 'stock'; value: InventoryLevel }
  | { topic: 'events'; value: PurchaseEvent }
  | { topic: 'instore'; value: InstoreCleanEvent }
  | { topic: 'segments'; value: SegmentChange }
  | { topic: 'consent'; value: ConsentChange };

const TOPIC_OF = {
  stock: TOPICS.inventory,
  events: TOPICS.events,
  instore: TOPICS.instore,
  segments: TOPICS.segmentChanges,
  consent: TOPICS.consent,
} as const;

function timeOf(input: Input): number {
  const value = input.value as { at?: string; occurredAt?: string };
  return Date.parse(value.occurredAt ?? value.at ?? '');
}

/** Produce inputs one at a time, each at its own event time as log time (the merge applies them in that order). */
async function produce(log: Log, inputs: Input[]): Promise<void> {
  for (const input of inputs) {
    const value = input.value as { subjectId?: string | null; storeId?: string; sku?: string };
    await log.produce(TOPIC_OF[input.topic], [
      {
        key: value.subjectId ?? value.storeId ?? value.sku ?? null,
        value: JSON.stringify(input.value),
        timestamp: timeOf(input),
      },
    ]);
  }
}

async function startHost(log: Log, dir: string, offers: OfferDefinition[]): Promise<ProcessorHost> {
  const host = createOffersHost({ log, stateDir: `${dir}/state`, offers, maxOffersPerShopperPerDay: 2 });
  resources.hosts.push(host);
  await host.start();
  return host;
}

async function settle(host: ProcessorHost): Promise<void> {
  await waitFor(() => host.caughtUp(), { timeout: 30_000, interval: 50, message: 'offers caught up' });
}

async function offerRecords(log: Log): Promise<OfferRecord[]> {
  return (await readAll(log, TOPICS.offers)).map((record) =>
    offerRecordSchema.parse(JSON.parse(record.value)),
  );
}

const made = (records: OfferRecord[]): OfferMade[] =>
  records.filter((record): record is OfferMade => record.kind === 'offer');

async function open(): Promise<{ log: Log; dir: string }> {
  const dir = createTempDir('offers-host');
  resources.dir = dir;
  const log = createEmbeddedLog({ path: `${dir}/log.sqlite` });
  resources.log = log;
  return { log, dir };
}

describe('the offer engine on the processor host', () => {
  it('makes one offer to a consenting buyer in a zone whose product is in stock in that store, and no other', async () => {
    const { log, dir } = await open();
    const host = await startHost(log, dir, [OAT_MILK, SODA]);
    const buyer = entry('subject-buyer', 'dairy', 10, { screenId: 'screen-dairy-1' });
    await produce(log, [
      { topic: 'stock', value: stock('store-west-01', 'oat-milk', true, 0) },
      { topic: 'stock', value: stock('store-west-02', 'oat-milk', false, 0) },
      { topic: 'stock', value: stock('store-west-01', 'soda-1', true, 0) },
      { topic: 'events', value: purchase('subject-buyer', 'oat-milk', 1) },
      { topic: 'events', value: purchase('subject-optout', 'oat-milk', 1) },
      { topic: 'events', value: purchase('subject-elsewhere', 'oat-milk', 1) },
      { topic: 'events', value: purchase('subject-stranger', 'soda-1', 1) },
      { topic: 'instore', value: buyer },
      // Personalization withheld at ingest: no subject on the entry at all.
      { topic: 'instore', value: entry(null, 'dairy', 11, { consent: NO_PERSONALIZATION }) },
      // A subject whose entry says personalization is off (defence in depth: the engine checks it too).
      { topic: 'instore', value: entry('subject-optout', 'dairy', 11, { consent: NO_PERSONALIZATION }) },
      // The product is out of stock in store 02 (in stock in 01): no offer there.
      { topic: 'instore', value: entry('subject-elsewhere', 'dairy', 12, { storeId: 'store-west-02' }) },
      // Neither the product nor its category bought: no offer in dairy; soda in beverages is never stocked out.
      { topic: 'instore', value: entry('subject-stranger', 'dairy', 13) },
      // A zone no in-stock offer names.
      { topic: 'instore', value: entry('subject-buyer', 'electronics', 14) },
    ]);
    await settle(host);
    const offers = made(await offerRecords(log));
    expect(offers).toEqual([
      {
        kind: 'offer',
        offerId: `offer:${buyer.eventId}`,
        entryId: buyer.entryId,
        screenId: 'screen-dairy-1',
        offerCode: 'oat-milk-20',
        brand: 'fresh-oats',
        sku: 'oat-milk',
        discountPercent: 20,
        storeId: 'store-west-01',
        region: 'west',
        zone: 'dairy',
        madeAt: iso(10),
        expiresAt: iso(10 + 24 * 60),
      },
    ]);
    // The record for the app and screens names no shopper.
    const raw = (await readAll(log, TOPICS.offers)).map((record) => record.value).join('\n');
    expect(raw).not.toContain('subject-');
    expect(host.stats().counts).toMatchObject({
      offer: 1,
      'entry-without-consent': 2,
      'refused:out-of-stock': 1,
      'refused:not-a-buyer': 1,
      // soda-15 for every dairy entry (3) and both offers in electronics (2).
      'refused:zone': 5,
    });
  });

  it('never goes beyond the per-shopper, per-offer and per-day caps, and counts again the next day', async () => {
    const { log, dir } = await open();
    const host = await startHost(log, dir, [OAT_MILK, OAT_BAR, SODA]);
    const shoppers = ['a', 'b', 'c', 'd', 'e'].map((name) => `subject-${name}`);
    await produce(log, [
      { topic: 'stock', value: stock('store-west-01', 'oat-milk', true, 0) },
      { topic: 'stock', value: stock('store-west-01', 'oat-bar', true, 0) },
      { topic: 'stock', value: stock('store-west-01', 'soda-1', true, 0) },
      { topic: 'segments', value: entered('subject-a', 'plant-milk-buyers', 0) },
      ...shoppers.flatMap((subjectId): Input[] => [
        { topic: 'events', value: purchase(subjectId, 'oat-milk', 1) },
        { topic: 'events', value: purchase(subjectId, 'soda-1', 1) },
      ]),
      // Shopper a: three entries; the one oat-milk offer, then oat-bar (their segment), then the daily cap of 2.
      { topic: 'instore', value: entry('subject-a', 'dairy', 10) },
      { topic: 'instore', value: entry('subject-a', 'dairy', 11) },
      { topic: 'instore', value: entry('subject-a', 'beverages', 12) },
      // Shoppers b..e in dairy: oat-milk's daily cap (3) leaves the fifth shopper without it.
      ...shoppers.slice(1).map((subjectId, index): Input => ({
        topic: 'instore',
        value: entry(subjectId, 'dairy', 20 + index),
      })),
      // The next day, shopper a gets oat-milk again.
      { topic: 'instore', value: entry('subject-a', 'dairy', 24 * 60 + 5) },
    ]);
    await settle(host);
    const offers = made(await offerRecords(log));
    expect(offers.map((offer) => `${offer.madeAt}|${offer.offerCode}`)).toEqual([
      `${iso(10)}|oat-milk-20`,
      `${iso(11)}|oat-bar-10`,
      `${iso(20)}|oat-milk-20`,
      `${iso(21)}|oat-milk-20`,
      `${iso(24 * 60 + 5)}|oat-milk-20`,
    ]);
    const counts = host.stats().counts;
    expect(counts['refused:shopper-daily-cap']).toBe(1);
    expect(counts['refused:daily-cap']).toBe(2);
    expect(counts['refused:segment']).toBeGreaterThan(0);
  });

  it('redeems a purchase of the product within the window, once, and not after it or after a withdrawal', async () => {
    const { log, dir } = await open();
    const host = await startHost(log, dir, [OAT_MILK, OAT_BAR]);
    const inWindow = entry('subject-a', 'dairy', 10);
    const late = entry('subject-b', 'dairy', 10);
    const withdrawn = entry('subject-c', 'dairy', 10);
    await produce(log, [
      { topic: 'stock', value: stock('store-west-01', 'oat-milk', true, 0) },
      { topic: 'stock', value: stock('store-west-01', 'oat-bar', true, 0) },
      { topic: 'segments', value: entered('subject-b', 'plant-milk-buyers', 0) },
      { topic: 'events', value: purchase('subject-a', 'oat-milk', 1) },
      { topic: 'events', value: purchase('subject-b', 'soda-1', 1) },
      { topic: 'events', value: purchase('subject-c', 'oat-milk', 1) },
      { topic: 'instore', value: inWindow },
      { topic: 'instore', value: late },
      { topic: 'instore', value: withdrawn },
      {
        topic: 'consent',
        value: {
          changeId: 'consent:c-1',
          subjectId: 'subject-c',
          occurredAt: iso(15),
          consent: NO_PERSONALIZATION,
          erased: false,
        },
      },
      { topic: 'events', value: purchase('subject-a', 'oat-milk', 30) },
      { topic: 'events', value: purchase('subject-a', 'oat-milk', 40) },
      // oat-bar is valid 2 hours: b buys it after 3.
      { topic: 'events', value: purchase('subject-b', 'oat-bar', 190) },
      { topic: 'events', value: purchase('subject-c', 'oat-milk', 30, NO_PERSONALIZATION) },
    ]);
    await settle(host);
    const records = await offerRecords(log);
    expect(made(records).map((offer) => offer.offerId)).toEqual([
      `offer:${inWindow.eventId}`,
      `offer:${late.eventId}`,
      `offer:${withdrawn.eventId}`,
    ]);
    const redemptions = records.filter((record) => record.kind === 'redemption');
    expect(redemptions).toEqual([
      expect.objectContaining({
        redemptionId: `redeem:offer:${inWindow.eventId}`,
        offerCode: 'oat-milk-20',
        storeId: 'store-west-01',
        region: 'west',
        redeemedAt: iso(30),
      }),
    ]);

    // The report's cell: three shoppers offered, three offers, one redeemed; bounded the same here.
    const stats = (await readAll(log, TOPICS.offerStats)).map((record) =>
      offerStatSchema.parse(JSON.parse(record.value)),
    );
    const latest = new Map<string, OfferStat>();
    for (const stat of stats) latest.set(stat.statId, stat);
    expect([...latest.values()]).toEqual([
      expect.objectContaining({
        statId: 'offer-stats:fresh-oats:2026-03-02:west',
        offeredSubjects: 3,
        offersMade: 3,
        offersRedeemed: 1,
        bounded: {
          offeredSubjects: 3,
          offersMade: 3,
          offersRedeemed: 1,
          bounds: { cellsPerBrand: 4, offersPerShopperPerDay: 2 },
        },
      }),
    ]);
  });

  it('keeps a shopper in at most cellsPerBrand cells of the bounded report', async () => {
    const { log, dir } = await open();
    const host = createOffersHost({
      log,
      stateDir: `${dir}/state`,
      offers: [OAT_MILK],
      cellsPerBrand: 2,
    });
    resources.hosts.push(host);
    await host.start();
    await produce(log, [
      { topic: 'stock', value: stock('store-west-01', 'oat-milk', true, 0) },
      { topic: 'events', value: purchase('subject-a', 'oat-milk', 1) },
      ...[0, 1, 2, 3].map((day): Input => ({
        topic: 'instore',
        value: entry('subject-a', 'dairy', day * 1440 + 10),
      })),
    ]);
    await settle(host);
    const stats = (await readAll(log, TOPICS.offerStats)).map((record) =>
      offerStatSchema.parse(JSON.parse(record.value)),
    );
    expect(stats.map((stat) => [stat.day, stat.offeredSubjects, stat.bounded.offeredSubjects])).toEqual([
      ['2026-03-02', 1, 1],
      ['2026-03-03', 1, 1],
      ['2026-03-04', 1, 0],
      ['2026-03-05', 1, 0],
    ]);
  });

  it('bounds a shopper’s offers in one cell of the bounded report even when late entries slip past the daily cap', async () => {
    // The report's noise assumes one shopper adds at most the daily cap of offers to a cell. The engine's daily
    // counter forgets days before yesterday, so entries of a day that arrive more than a day late meet a fresh
    // counter: the cell must still take no more than the cap from that shopper.
    const { log, dir } = await open();
    const generous: OfferDefinition = { ...OAT_MILK, zones: [], caps: { perShopperPerDay: 10, perDay: 100 } };
    const host = await startHost(log, dir, [generous]);
    await produce(log, [
      { topic: 'stock', value: stock('store-west-01', 'oat-milk', true, 0) },
      { topic: 'events', value: purchase('subject-a', 'oat-milk', 1) },
      { topic: 'instore', value: entry('subject-a', 'dairy', 10) },
      { topic: 'instore', value: entry('subject-a', 'dairy', 20) },
      { topic: 'instore', value: entry('subject-a', 'dairy', 2 * 1440 + 10) },
    ]);
    // Two more entries of the first day, produced after the third day's (the app was offline).
    const lateAt = T0 + (2 * 1440 + 20) * 60_000;
    for (const minutes of [40, 50]) {
      await log.produce(TOPICS.instore, [
        { key: 'subject-a', value: JSON.stringify(entry('subject-a', 'dairy', minutes)), timestamp: lateAt },
      ]);
    }
    await settle(host);
    const cells = (await readAll(log, TOPICS.offerStats))
      .map((record) => offerStatSchema.parse(JSON.parse(record.value)))
      .filter((stat) => stat.day === '2026-03-02');
    const cell = cells.at(-1)!;
    // The host's exact count has all four; the bounded one at most the cap of 2, from this one shopper.
    expect(cell.offersMade).toBe(4);
    expect(cell.bounded).toMatchObject({ offeredSubjects: 1, offersMade: 2 });
  });

  it('leaves the bounded report when a shopper withdraws measurement or is erased, and never counts one twice', async () => {
    const { log, dir } = await open();
    const host = await startHost(log, dir, [{ ...OAT_MILK, caps: { perShopperPerDay: 1, perDay: 100 } }]);
    const consentChange = (
      subjectId: string,
      minutes: number,
      consent: typeof CONSENT,
      erased = false,
    ): Input => ({
      topic: 'consent',
      value: { changeId: `consent:c-${next()}`, subjectId, occurredAt: iso(minutes), consent, erased },
    });
    const NO_MEASUREMENT = { measurement: false, personalization: true, partnerSharing: true };
    await produce(log, [
      { topic: 'stock', value: stock('store-west-01', 'oat-milk', true, 0) },
      { topic: 'events', value: purchase('subject-a', 'oat-milk', 1) },
      { topic: 'events', value: purchase('subject-b', 'oat-milk', 1) },
      { topic: 'events', value: purchase('subject-c', 'oat-milk', 1, NO_MEASUREMENT) },
      // subject-c allows offers but not measurement: offered, never in an aggregate.
      { topic: 'instore', value: entry('subject-c', 'dairy', 5, { consent: NO_MEASUREMENT }) },
      { topic: 'instore', value: entry('subject-a', 'dairy', 10) },
      { topic: 'instore', value: entry('subject-b', 'dairy', 12) },
      // subject-b withdraws measurement; subject-a is erased, comes back the same day and is offered again.
      { topic: 'consent', value: consentChange('subject-b', 20, NO_MEASUREMENT).value },
      { topic: 'consent', value: consentChange('subject-a', 30, CONSENT, true).value },
      { topic: 'consent', value: consentChange('subject-a', 40, CONSENT).value },
      { topic: 'events', value: purchase('subject-a', 'oat-milk', 41) },
      { topic: 'instore', value: entry('subject-a', 'dairy', 50) },
    ] as Input[]);
    await settle(host);
    expect(made(await offerRecords(log))).toHaveLength(4);
    const cell = (await readAll(log, TOPICS.offerStats))
      .map((record) => offerStatSchema.parse(JSON.parse(record.value)))
      .at(-1)!;
    // Exact (the host's): four offers to three shoppers, one of them twice. Bounded: only subject-a's second
    // life — subject-c never measurable, subject-b withdrawn, subject-a's first life erased.
    expect(cell.offersMade).toBe(4);
    expect(cell.bounded).toMatchObject({ offeredSubjects: 1, offersMade: 1, offersRedeemed: 0 });
  });

  it('dead-letters malformed input with a reason and carries on; its state survives a restart', async () => {
    const { log, dir } = await open();
    const first = await startHost(log, dir, [OAT_MILK]);
    await produce(log, [
      { topic: 'stock', value: stock('store-west-01', 'oat-milk', true, 0) },
      { topic: 'events', value: purchase('subject-a', 'oat-milk', 1) },
    ]);
    await log.produce(TOPICS.instore, [
      { key: 'store-west-01', value: '{"kind":"zone_entry","storeId":', timestamp: T0 + 2 * 60_000 },
      {
        key: 'store-west-01',
        value: JSON.stringify({ ...entry('subject-a', 'dairy', 3), kind: 'teleport' }),
        timestamp: T0 + 3 * 60_000,
      },
    ]);
    await produce(log, [{ topic: 'instore', value: entry('subject-a', 'dairy', 5) }]);
    await settle(first);
    await first.stop();
    resources.hosts.splice(resources.hosts.indexOf(first), 1);

    // After a restart: the purchase history and the day's cap are still there (no second oat-milk offer today).
    const second = await startHost(log, dir, [OAT_MILK]);
    await produce(log, [{ topic: 'instore', value: entry('subject-a', 'dairy', 30) }]);
    await settle(second);
    expect(made(await offerRecords(log))).toHaveLength(1);
    expect(second.stats().counts['refused:shopper-cap']).toBe(1);

    const letters = (await readAll(log, TOPICS.deadLetter)).map((record) =>
      deadLetterSchema.parse(JSON.parse(record.value)),
    );
    expect(letters).toHaveLength(2);
    for (const letter of letters) {
      expect(letter.sourceTopic).toBe(TOPICS.instore);
      expect(letter.reason.length).toBeGreaterThan(0);
    }
    expect(letters.map((letter) => letter.field)).toContain('kind');
  });
});
