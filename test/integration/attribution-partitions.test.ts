/**
 * The attribution processor over four partitions on the embedded log: the merged aggregates equal those of
 * one in-memory engine fed the same events and verdicts (distinct subject counts do not split or double
 * across partitions), and every credit's final state agrees.
 */
import { describe, expect, it } from 'vitest';
import {
  createAttributionEngine,
  createAttributionProcessor,
  createCampaignDirectory,
} from '../../processors/attribution/index.ts';
import type { AttributionProcessor } from '../../processors/attribution/index.ts';
import { createFraudDetector } from '../../processors/fraud/index.ts';
import { createEmbeddedLog } from '../../processors/runtime/index.ts';
import type { Log, LogConsumer } from '../../processors/runtime/index.ts';
import { attributionRecordSchema } from '../../schema/index.ts';
import type {
  AttributionAggregate,
  AttributionCredit,
  CampaignInfo,
  CleanEvent,
  IvtVerdict,
} from '../../schema/index.ts';
import type { CampaignEvent } from '../../schema/index.ts';
import { simulate } from '../../simulator/index.ts';
import { cleanUpAfterEach } from '../helpers/clean-up.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { cleanFromRaw } from '../processors/fraud/index.ts';

function campaignInfo(raw: CampaignEvent): CampaignInfo {
  return {
    ...raw,
    clickLookbackDays: raw.clickLookbackDays ?? 14,
    viewLookbackDays: raw.viewLookbackDays ?? 1,
    holdoutPercent: raw.holdoutPercent ?? 0,
  };
}

describe('attribution across partitions', () => {
  const cleanUp = cleanUpAfterEach();

  it('merges partition partials into the aggregates one engine computes over everything', async () => {
    const simulation = simulate({ seed: 3, shoppers: 400, simulatedHours: 30, clickFarms: 1 });
    const campaigns: CampaignInfo[] = [];
    const events: CleanEvent[] = [];
    const verdicts: IvtVerdict[] = [];
    const detector = createFraudDetector();
    for (const record of simulation) {
      if (record.raw === true) continue;
      if (record.topic === 'retail.campaigns') campaigns.push(campaignInfo(record.value as CampaignEvent));
      const clean = cleanFromRaw(record.topic, record.value);
      if (clean === null) continue;
      events.push(clean);
      verdicts.push(...detector.observe(clean).verdicts);
    }
    expect(events.length).toBeGreaterThan(1_000);

    // The reference: one engine, all events then all verdicts.
    const reference = createAttributionEngine({ campaigns: createCampaignDirectory(campaigns) });
    const referenceCredits = new Map<string, AttributionCredit>();
    for (const event of events)
      for (const c of reference.observeEvent(event)) referenceCredits.set(c.creditId, c);
    for (const verdict of verdicts)
      for (const c of reference.observeVerdict(verdict)) referenceCredits.set(c.creditId, c);
    const expected = new Map(reference.flush().map((row) => [row.aggregateId, row]));
    expect([...referenceCredits.values()].filter((c) => !c.retracted).length).toBeGreaterThan(10);
    expect(expected.size).toBeGreaterThan(10);

    const dir = cleanUp.tempDir('attribution-partitions');
    const log: Log = createEmbeddedLog({
      path: `${dir}/log.sqlite`,
      pollIntervalMs: 20,
      heartbeatIntervalMs: 100,
    });
    cleanUp.onStop(() => log.close());
    await log.produce(
      'cleanroom.campaigns',
      campaigns.map((c) => ({ key: c.campaignId, value: JSON.stringify(c) })),
    );
    const processor: AttributionProcessor = createAttributionProcessor({ log, stateDir: `${dir}/state` });
    await processor.start();
    cleanUp.onStop(() => processor.stop());
    const keyOf = (subjectId: string | null, eventId: string) => subjectId ?? eventId;
    await log.produce(
      'cleanroom.events',
      events.map((e) => ({ key: keyOf(e.subjectId, e.eventId), value: JSON.stringify(e) })),
    );
    await log.produce(
      'cleanroom.ivt',
      verdicts.map((v) => ({ key: keyOf(v.subjectId, v.eventId), value: JSON.stringify(v) })),
    );

    const credits = new Map<string, AttributionCredit>();
    const aggregates = new Map<string, AttributionAggregate>();
    const reader: LogConsumer = log.consumer({
      groupId: 'attribution-partitions-reader',
      topics: ['cleanroom.attributions'],
      maxBatchSize: 2_000,
    });
    cleanUp.onStop(() => reader.stop());
    await reader.run(async (batch) => {
      for (const record of batch.records) {
        const parsed = attributionRecordSchema.parse(JSON.parse(record.value));
        if (parsed.kind === 'credit') credits.set(parsed.creditId, parsed);
        else if ((aggregates.get(parsed.aggregateId)?.version ?? 0) < parsed.version)
          aggregates.set(parsed.aggregateId, parsed);
      }
    });
    await waitFor(async () => (await processor.caughtUp()) && aggregates.size >= expected.size, {
      timeout: 90_000,
      interval: 100,
    });

    expect((await log.partitionsFor('cleanroom.events')) > 1).toBe(true);
    expect([...aggregates.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [aggregateId, want] of expected) {
      const got = aggregates.get(aggregateId);
      expect(got).toMatchObject({
        exposedSubjects: want.exposedSubjects,
        convertingSubjects: want.convertingSubjects,
      });
      expect(got?.conversions).toBeCloseTo(want.conversions, 4);
      expect(got?.revenue).toBeCloseTo(want.revenue, 4);
      expect(got?.spend).toBeCloseTo(want.spend, 4);
    }
    const active = (map: Map<string, AttributionCredit>) =>
      [...map.values()]
        .filter((c) => !c.retracted)
        .map((c) => `${c.creditId}=${c.weight.toFixed(9)}`)
        .sort();
    expect(active(credits)).toEqual(active(referenceCredits));
  });
});
