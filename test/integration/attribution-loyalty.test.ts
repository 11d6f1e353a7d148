/**
 * End to end through the real processors: raw events -> ingest -> fraud -> attribution, on the embedded log
 * and on a real Kafka broker. A shopper clicks an ad online (identified by email) and later buys in a store
 * with a loyalty card; the loyalty profile links the two, so the store purchase earns the click its credit.
 * A bot's click and purchase earn nothing.
 */
import { describe, expect, it } from 'vitest';
import { createAttributionProcessor } from '../../processors/attribution/index.ts';
import type { AttributionProcessor } from '../../processors/attribution/index.ts';
import { createFraudProcessor } from '../../processors/fraud/index.ts';
import type { FraudProcessor } from '../../processors/fraud/index.ts';
import type { Ingest } from '../../processors/ingest/index.ts';
import { createEmbeddedLog, createKafkaLog } from '../../processors/runtime/index.ts';
import type { Log, LogConsumer } from '../../processors/runtime/index.ts';
import { attributionRecordSchema, ivtVerdictSchema } from '../../schema/index.ts';
import type { AttributionAggregate, AttributionCredit, IvtVerdict } from '../../schema/index.ts';
import { kafkaBrokers, kafkaSkipReason, uniqueName } from '../helpers/kafka.ts';
import { cleanUpAfterEach } from '../helpers/clean-up.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { produceRaw, startIngest } from '../processors/ingest/index.ts';

const T = Date.parse('2026-03-02T15:00:00.000Z');
const iso = (at: number) => new Date(at).toISOString();
const BROWSER =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36';
const consent = { measurement: true, personalization: true, partnerSharing: true };

const campaign = {
  campaignId: 'cmp-oats',
  brand: 'Fresh Oats',
  name: 'Oats in store',
  startsAt: iso(T - 10 * 86_400_000),
  products: { skus: ['sku-oats'] },
};
const loyaltyProfiles = [
  {
    eventId: 'loy-1',
    occurredAt: iso(T - 5 * 86_400_000),
    loyaltyId: 'L-100',
    email: 'ann@example.com',
    consent,
  },
  {
    eventId: 'loy-2',
    occurredAt: iso(T - 5 * 86_400_000),
    loyaltyId: 'L-200',
    email: 'bot@example.com',
    consent,
  },
];
const ad = (
  eventId: string,
  type: 'impression' | 'click',
  at: number,
  email: string,
  userAgent: string,
  impressionId?: string,
) => ({
  eventId,
  occurredAt: iso(at),
  type,
  campaignId: 'cmp-oats',
  placement: 'search',
  creativeId: 'cr-1',
  ...(impressionId === undefined ? {} : { impressionId }),
  customer: { email },
  deviceId: `device-${eventId.slice(0, 5)}`,
  ip: email.startsWith('bot') ? '81.2.69.160' : '81.2.69.142',
  userAgent,
  cost: 0.4,
});
const storePurchase = (eventId: string, loyaltyId: string, at: number) => ({
  eventId,
  occurredAt: iso(at),
  channel: 'store',
  storeId: 'store-7',
  region: 'west',
  orderId: `order-${eventId}`,
  customer: { loyaltyId },
  items: [{ sku: 'sku-oats', category: 'breakfast', brand: 'Fresh Oats', quantity: 2, unitPrice: 4.5 }],
});

interface Harness {
  log: Log;
  kind: string;
}

const skipReason = kafkaSkipReason();
const logs: Array<{ name: string; open: (dir: string) => Harness } & { skip?: string }> = [
  {
    name: 'embedded log',
    open: (dir) => ({
      kind: 'embedded',
      log: createEmbeddedLog({ path: `${dir}/log.sqlite`, pollIntervalMs: 20, heartbeatIntervalMs: 100 }),
    }),
  },
  ...(skipReason
    ? []
    : [
        {
          name: 'Kafka',
          open: () => ({
            kind: 'kafka',
            log: createKafkaLog({ brokers: kafkaBrokers() ?? '', clientId: uniqueName('attribution-e2e') }),
          }),
        },
      ]),
];

describe.each(logs)('in-store attribution through the loyalty link on the $name', ({ open }) => {
  const cleanUp = cleanUpAfterEach();

  it('credits the online click for the store purchase, and nothing to a bot', async () => {
    const dir = cleanUp.tempDir('attribution-e2e');
    const { log } = open(dir);
    cleanUp.onStop(() => log.close());
    const prefix = `${uniqueName('attr')}.`;
    const groupPrefix = uniqueName('attr-group');

    const ingest: Ingest = await startIngest(log, dir, {
      topicPrefix: prefix,
      groupId: `${groupPrefix}.ingest`,
    });
    cleanUp.onStop(() => ingest.stop());
    await produceRaw(log, `${prefix}retail.campaigns`, [campaign], campaign.campaignId);
    await produceRaw(log, `${prefix}retail.loyalty`, loyaltyProfiles);
    // The loyalty link must exist before the events that rely on it are resolved.
    await waitFor(() => ingest.stats().processed >= 3, {
      timeout: 30_000,
      message: 'ingest of campaign and loyalty',
    });

    const fraud: FraudProcessor = createFraudProcessor({
      log,
      stateDir: `${dir}/state`,
      topicPrefix: prefix,
      groupPrefix,
    });
    const attribution: AttributionProcessor = createAttributionProcessor({
      log,
      stateDir: `${dir}/state`,
      topicPrefix: prefix,
      groupPrefix,
    });
    await fraud.start();
    cleanUp.onStop(() => fraud.stop());
    await attribution.start();
    cleanUp.onStop(() => attribution.stop());
    expect(attribution.campaigns.get('cmp-oats')).toMatchObject({
      clickLookbackDays: 14,
      viewLookbackDays: 1,
    });

    const BOT = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';
    await produceRaw(log, `${prefix}retail.ad-events`, [
      ad('imp-ann', 'impression', T - 3 * 3_600_000, 'ann@example.com', BROWSER),
      ad('clk-ann', 'click', T - 3 * 3_600_000 + 12_000, 'ann@example.com', BROWSER, 'imp-ann'),
      ad('imp-bot', 'impression', T - 3 * 3_600_000, 'bot@example.com', BOT),
      ad('clk-bot', 'click', T - 3 * 3_600_000 + 9_000, 'bot@example.com', BOT, 'imp-bot'),
    ]);
    await produceRaw(log, `${prefix}retail.transactions`, [
      storePurchase('tx-ann', 'L-100', T),
      storePurchase('tx-bot', 'L-200', T),
    ]);

    const verdicts = new Map<string, IvtVerdict>();
    const credits = new Map<string, AttributionCredit>();
    const aggregates = new Map<string, AttributionAggregate>();
    const reader: LogConsumer = log.consumer({
      groupId: uniqueName('attr-reader'),
      topics: [`${prefix}cleanroom.ivt`, `${prefix}cleanroom.attributions`],
      fromBeginning: true,
    });
    cleanUp.onStop(() => reader.stop());
    await reader.run(async (batch) => {
      for (const record of batch.records) {
        const value: unknown = JSON.parse(record.value);
        if (record.topic.endsWith('cleanroom.ivt')) {
          const verdict = ivtVerdictSchema.parse(value);
          verdicts.set(verdict.adEventId, verdict);
          continue;
        }
        const parsed = attributionRecordSchema.parse(value);
        if (parsed.kind === 'credit') credits.set(parsed.creditId, parsed);
        else if ((aggregates.get(parsed.aggregateId)?.version ?? 0) < parsed.version)
          aggregates.set(parsed.aggregateId, parsed);
      }
    });

    await waitFor(
      async () => {
        expect(verdicts.size).toBe(4);
        expect(await fraud.caughtUp()).toBe(true);
        expect(await attribution.caughtUp()).toBe(true);
        expect(aggregates.get('agg:cmp-oats:2026-03-02:store:last_touch')).toMatchObject({ conversions: 1 });
        return true;
      },
      { timeout: 60_000, interval: 100 },
    );
    expect(verdicts.get('clk-ann')).toMatchObject({ valid: true });
    expect(verdicts.get('clk-bot')).toMatchObject({
      valid: false,
      tier: 'GIVT',
      reasons: ['bot_user_agent'],
    });

    const active = [...credits.values()].filter((credit) => !credit.retracted);
    // Two touches (the impression, inside the 1-day view lookback, and its click): first touch takes the
    // impression, last touch the click, the other models split between them.
    expect(active.map((credit) => credit.model).sort()).toEqual([
      'first_touch',
      'last_touch',
      'linear',
      'linear',
      'position_based',
      'position_based',
      'time_decay',
      'time_decay',
    ]);
    expect(active.every((credit) => credit.conversionEventId.includes('tx-ann'))).toBe(true);
    expect(active.find((credit) => credit.model === 'first_touch')?.exposureEventId).toContain('imp-ann');
    const lastTouch = active.find((credit) => credit.model === 'last_touch');
    expect(lastTouch).toMatchObject({
      channel: 'store',
      exposureType: 'click',
      weight: 1,
      revenue: 9,
      match: 'direct',
    });
    expect(lastTouch?.exposureEventId).toContain('clk-ann');
    expect(lastTouch?.conversionEventId).toContain('tx-ann');
    expect(aggregates.get('agg:cmp-oats:2026-03-02:store:last_touch')).toMatchObject({
      convertingSubjects: 1,
      conversions: 1,
      revenue: 9,
      directRevenue: 9,
    });
    // Exposures were online (search); the bot's spend is not counted.
    expect(aggregates.get('agg:cmp-oats:2026-03-02:online:last_touch')).toMatchObject({
      exposedSubjects: 1,
      spend: 0.8,
    });
    // Nothing in any output names the shopper's email or loyalty id.
    const everything = JSON.stringify([...credits.values(), ...aggregates.values(), ...verdicts.values()]);
    expect(everything).not.toMatch(/ann@example\.com|L-100|81\.2\.69/);
  });
});
