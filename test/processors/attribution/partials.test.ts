/**
 * Bounded sums stay additive across input partitions: engines that each hold the subjects of one partition,
 * merged row by row as the merge stage does, give the bounded sums of one engine over everything.
 */
import { describe, expect, it } from 'vitest';
import {
  aggregatesOf,
  createAttributionEngine,
  createCampaignDirectory,
  mergeRows,
} from '../../../processors/attribution/index.ts';
import type { AggregateRow, ContributionBounds } from '../../../processors/attribution/index.ts';
import { createFraudDetector } from '../../../processors/fraud/index.ts';
import { partitionForKey } from '../../../processors/runtime/index.ts';
import type {
  AttributionAggregate,
  CampaignEvent,
  CampaignInfo,
  CleanEvent,
  IvtVerdict,
} from '../../../schema/index.ts';
import { simulate } from '../../../simulator/index.ts';
import { cleanFromRaw } from '../fraud/index.ts';

const PARTITIONS = 4;
// Tight bounds, so clamps and the cell limit change many rows.
const BOUNDS: ContributionBounds = { conversions: 1, revenue: 20, spend: 0.5, cellsPerCampaign: 1 };

describe('bounded sums across partitions', () => {
  it('merge into the bounded sums of one engine over every subject', () => {
    const campaigns: CampaignInfo[] = [];
    const events: CleanEvent[] = [];
    const verdicts: IvtVerdict[] = [];
    const detector = createFraudDetector();
    for (const record of simulate({ seed: 3, shoppers: 400, simulatedHours: 30, clickFarms: 1 })) {
      if (record.raw === true) continue;
      if (record.topic === 'retail.campaigns') {
        const raw = record.value as CampaignEvent;
        campaigns.push({
          ...raw,
          clickLookbackDays: raw.clickLookbackDays ?? 14,
          viewLookbackDays: raw.viewLookbackDays ?? 1,
          holdoutPercent: raw.holdoutPercent ?? 0,
        });
      }
      const clean = cleanFromRaw(record.topic, record.value);
      if (clean === null) continue;
      events.push(clean);
      verdicts.push(...detector.observe(clean).verdicts);
    }
    const engine = () =>
      createAttributionEngine({
        campaigns: createCampaignDirectory(campaigns),
        config: { contributionBounds: BOUNDS },
      });
    const whole = engine();
    const parts = Array.from({ length: PARTITIONS }, engine);
    const partOf = (subjectId: string | null) =>
      subjectId === null ? undefined : parts[partitionForKey(subjectId, PARTITIONS)];
    const rows = new Map<string, Map<number, AggregateRow>>();
    const flushParts = () =>
      parts.forEach((part, partition) => {
        for (const row of part.flushRows()) {
          const key = `${row.campaignId}:${row.day}:${row.channel}`;
          const byPartition = rows.get(key) ?? new Map<number, AggregateRow>();
          byPartition.set(partition, structuredClone(row));
          rows.set(key, byPartition);
        }
      });
    for (const event of events) {
      whole.observeEvent(event);
      partOf(event.subjectId)?.observeEvent(event);
    }
    flushParts();
    for (const verdict of verdicts) {
      whole.observeVerdict(verdict);
      partOf(verdict.subjectId)?.observeVerdict(verdict);
    }
    flushParts();

    const expected = new Map(whole.flush().map((aggregate) => [aggregate.aggregateId, aggregate]));
    const merged = new Map<string, AttributionAggregate>();
    for (const byPartition of rows.values()) {
      const row = mergeRows([...byPartition.values()], 1)!;
      for (const aggregate of aggregatesOf(row, false)) merged.set(aggregate.aggregateId, aggregate);
    }
    expect([...merged.keys()].sort()).toEqual([...expected.keys()].sort());
    let clamped = 0;
    for (const [aggregateId, want] of expected) {
      const got = merged.get(aggregateId)!.bounded!;
      expect(got.bounds).toEqual(BOUNDS);
      expect(got.exposedSubjects).toBe(want.bounded!.exposedSubjects);
      expect(got.convertingSubjects).toBe(want.bounded!.convertingSubjects);
      expect(got.conversions).toBeCloseTo(want.bounded!.conversions, 5);
      expect(got.revenue).toBeCloseTo(want.bounded!.revenue, 5);
      expect(got.spend).toBeCloseTo(want.bounded!.spend, 5);
      if (want.bounded!.spend < want.spend || want.bounded!.exposedSubjects < want.exposedSubjects)
        clamped += 1;
    }
    // The bounds were not idle: many rows lost something to them.
    expect(clamped).toBeGreaterThan(10);
  });
});
