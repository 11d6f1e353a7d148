/**
 * The offer engine in the whole pipeline, on the simulator's ground truth: a seeded world with regulars' in-store
 * journeys, planted stock-outs and malformed records goes through the real ingest, segments and offer engine over
 * an embedded log, with the offers the sample contracts declare. Every offer answers a zone entry of a shopper
 * whose consent allowed personalization, for a product whose shelf in that store was not empty, within every cap;
 * every offer of a product the shopper buys at the till is redeemed; no offer record holds an identifier; every
 * malformed in-store record is dead-lettered with a reason and the rest flows.
 */
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { loadContracts } from '../../../policies/contracts/index.ts';
import { loadOrCreateSecrets } from '../../../policies/index.ts';
import { createPipeline } from '../../../processors/index.ts';
import type { Pipeline } from '../../../processors/index.ts';
import {
  DEFAULT_MAX_OFFERS_PER_SHOPPER_PER_DAY,
  offersOfContracts,
} from '../../../processors/offers/index.ts';
import { createEmbeddedLog } from '../../../processors/runtime/index.ts';
import type { Log } from '../../../processors/runtime/index.ts';
import { TOPICS, deadLetterSchema, offerRecordSchema } from '../../../schema/topics.ts';
import type { OfferMade, OfferRedeemed } from '../../../schema/topics.ts';
import { simulate, writeToLog } from '../../../simulator/index.ts';
import { createTempDir, removeTempDir } from '../../helpers/temp-dir.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { readAll } from '../../helpers/read-topic.ts';

const resources: { pipeline?: Pipeline; log?: Log; dir?: string } = {};

afterEach(async () => {
  await resources.pipeline?.stop();
  await resources.log?.close();
  if (resources.dir) removeTempDir(resources.dir);
});

const EXAMPLES = fileURLToPath(new URL('../../../examples/contracts/', import.meta.url));

describe('in-store offers on the simulator ground truth', () => {
  it('offers only to consenting shoppers, only products in stock in that store, never beyond the caps', async () => {
    const dir = createTempDir('offers-truth');
    resources.dir = dir;
    const log = createEmbeddedLog({ path: `${dir}/log.sqlite` });
    resources.log = log;
    const offers = offersOfContracts(loadContracts(EXAMPLES).contracts.map(({ contract }) => contract));
    expect(offers.length).toBeGreaterThan(0);

    const simulation = simulate({
      seed: 23,
      shoppers: 2_000,
      simulatedHours: 6,
      malformedShare: 0.003,
      inventory: { stockOutsPerHour: 4 },
      instore: { journeysPerHour: 300, regulars: 120 },
    });
    await writeToLog(log, simulation);
    const truth = simulation.groundTruth();
    expect(truth.instore).not.toBeNull();
    const entries = new Map(truth.instore!.zoneEntries.map((entry) => [entry.entryId, entry]));

    resources.pipeline = createPipeline({
      log,
      dataDir: dir,
      secrets: loadOrCreateSecrets(dir),
      offers: { offers },
    });
    await resources.pipeline.start();
    await waitFor(() => resources.pipeline!.caughtUp(), {
      timeout: 240_000,
      interval: 250,
      message: 'pipeline caught up',
    });

    const records = (await readAll(log, TOPICS.offers)).map((record) => ({
      text: record.value,
      offer: offerRecordSchema.parse(JSON.parse(record.value)),
    }));
    const made = records.flatMap(({ offer }) => (offer.kind === 'offer' ? [offer] : []));
    const redeemed = records.flatMap(({ offer }) => (offer.kind === 'redemption' ? [offer] : []));
    console.info(
      JSON.stringify({
        zoneEntries: entries.size,
        offers: made.length,
        redemptions: redeemed.length,
        counts: resources.pipeline.stats().offers.counts,
      }),
    );
    expect(made.length).toBeGreaterThan(20);
    expect(redeemed.length).toBeGreaterThan(5);

    // No identifier in any offer record: neither the loyalty ids the app sent nor any subject.
    const loyaltyIds = new Set(truth.instore!.zoneEntries.map((entry) => entry.loyaltyId));
    for (const { text } of records) {
      for (const loyaltyId of loyaltyIds) expect(text).not.toContain(loyaltyId);
      expect(text).not.toMatch(/subject/i);
    }

    const definitionOf = new Map(offers.map((offer) => [`${offer.brand}|${offer.offerCode}`, offer]));
    const perShopperDay = new Map<string, number>();
    const perShopperOfferDay = new Map<string, number>();
    const perOfferDay = new Map<string, number>();
    const bump = (counts: Map<string, number>, key: string): number => {
      const value = (counts.get(key) ?? 0) + 1;
      counts.set(key, value);
      return value;
    };
    const answered = new Set<string>();
    for (const offer of made) {
      const entry = entries.get(offer.entryId);
      expect(entry, `offer ${offer.offerId} answers a planted zone entry`).toBeDefined();
      if (entry === undefined) continue;
      expect(answered.has(offer.entryId), 'at most one offer per zone entry').toBe(false);
      answered.add(offer.entryId);
      expect(entry.personalization, `${offer.offerId}: consent allows personalization`).toBe(true);
      expect(entry.outOfStock, `${offer.offerId}: the shelf was not empty`).not.toContain(offer.sku);
      expect([offer.storeId, offer.zone, offer.madeAt]).toEqual([entry.storeId, entry.zone, entry.at]);
      const definition = definitionOf.get(`${offer.brand}|${offer.offerCode}`);
      expect(definition).toBeDefined();
      if (definition === undefined) continue;
      const day = offer.madeAt.slice(0, 10);
      expect(bump(perShopperDay, `${entry.loyaltyId}|${day}`)).toBeLessThanOrEqual(
        DEFAULT_MAX_OFFERS_PER_SHOPPER_PER_DAY,
      );
      expect(bump(perShopperOfferDay, `${entry.loyaltyId}|${offer.offerCode}|${day}`)).toBeLessThanOrEqual(
        definition.caps.perShopperPerDay,
      );
      expect(bump(perOfferDay, `${offer.offerCode}|${day}`)).toBeLessThanOrEqual(definition.caps.perDay);
    }
    // The rules refused something of each kind: entries without consent and empty shelves were met.
    const withoutConsent = truth.instore!.zoneEntries.filter((entry) => !entry.personalization);
    expect(withoutConsent.length).toBeGreaterThan(0);
    expect(made.some((offer) => withoutConsent.some((entry) => entry.entryId === offer.entryId))).toBe(false);

    // Every offer of a product the shopper buys at the till of that trip is redeemed, and nothing is redeemed
    // twice. (A redemption of another product may come from the shopper's other trips within the window.)
    const redeemedOffers = new Set(redeemed.map((redemption: OfferRedeemed) => redemption.offerId));
    expect(redeemedOffers.size).toBe(redeemed.length);
    const changedConsent = new Set(truth.consentChanges.map((change) => change.loyaltyId));
    // A trip reaches the till some 20 simulated minutes after its zone entries: one that began in the last hour
    // may end after the simulation does, its purchase never made (the basket is what the shopper meant to buy).
    const tripsEndBy = Date.parse(truth.lastEventAt) - 60 * 60_000;
    const wouldRedeem = made.filter((offer: OfferMade) => {
      const entry = entries.get(offer.entryId);
      return (
        entry !== undefined &&
        Date.parse(entry.at) <= tripsEndBy &&
        entry.basket.includes(offer.sku) &&
        !changedConsent.has(entry.loyaltyId)
      );
    });
    expect(wouldRedeem.length).toBeGreaterThan(0);
    for (const offer of wouldRedeem) expect(redeemedOffers.has(offer.offerId), offer.offerId).toBe(true);
    for (const redemption of redeemed)
      expect(made.some((offer) => offer.offerId === redemption.offerId)).toBe(true);

    // Malformed in-store records: each dead-lettered with a field and a reason; the rest flowed (above).
    const malformedInstore = truth.malformed.filter((entry) => entry.topic === 'retail.instore').length;
    expect(malformedInstore).toBeGreaterThan(0);
    const letters = (await readAll(log, TOPICS.deadLetter))
      .map((record) => deadLetterSchema.parse(JSON.parse(record.value)))
      .filter((letter) => letter.sourceTopic === 'retail.instore');
    expect(letters).toHaveLength(malformedInstore);
    for (const letter of letters) expect(letter.reason.length).toBeGreaterThan(0);
  }, 300_000);
});
