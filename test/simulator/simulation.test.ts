import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isRawTopic, validateRawEvent, validateRawValue } from '../../schema/events.ts';
import { MALFORMED_KINDS, recordText, simulate, toJsonlLine } from '../../simulator/index.ts';
import type { SimulatedRecord } from '../../simulator/index.ts';

function digest(records: Iterable<SimulatedRecord>): string {
  const hash = createHash('sha256');
  for (const record of records) hash.update(`${toJsonlLine(record)}\n`);
  return hash.digest('hex');
}

describe('simulate', () => {
  it('produces the same bytes for the same seed, and other bytes for another seed', () => {
    const first = digest(simulate({ seed: 11, events: 20_000 }));
    const second = digest(simulate({ seed: 11, events: 20_000 }));
    const other = digest(simulate({ seed: 12, events: 20_000 }));
    expect(second).toBe(first);
    expect(other).not.toBe(first);
  });

  it('produces the same ground truth for the same seed', () => {
    const run = (): string => {
      const simulation = simulate({ seed: 5, events: 15_000, malformedShare: 0.01 });
      for (const _ of simulation);
      return JSON.stringify(simulation.groundTruth());
    };
    expect(run()).toBe(run());
  });

  it('emits 10,000 events that all validate against the raw topic schemas', () => {
    const counts = new Map<string, number>();
    const ids = new Map<string, Set<string>>();
    for (const record of simulate({ seed: 7, events: 10_000 })) {
      expect(isRawTopic(record.topic)).toBe(true);
      expect(record.raw).toBeUndefined();
      const result = validateRawValue(record.topic, record.value);
      if (!result.ok)
        throw new Error(`${record.topic} ${result.field} ${result.reason}: ${recordText(record)}`);
      expect(validateRawEvent(record.topic, recordText(record)).ok).toBe(true);
      counts.set(record.topic, (counts.get(record.topic) ?? 0) + 1);
      const value = record.value as { eventId?: string; campaignId?: string };
      const id = value.eventId ?? value.campaignId ?? '';
      const seen = ids.get(record.topic) ?? new Set<string>();
      expect(seen.has(id)).toBe(false);
      seen.add(id);
      ids.set(record.topic, seen);
    }
    expect([...counts.values()].reduce((sum, count) => sum + count, 0)).toBe(10_000);
    expect(counts.size).toBe(6);
  });

  it('keeps every kind of event valid over hours: surge, returns, late events, consent changes', () => {
    const simulation = simulate({ seed: 13, simulatedHours: 4.5 });
    let index = 0;
    for (const record of simulation) {
      // Every fourth record plus every transaction and loyalty record (returns, surge, consent).
      const sampled =
        index % 4 === 0 || record.topic === 'retail.transactions' || record.topic === 'retail.loyalty';
      index += 1;
      if (!sampled) continue;
      const result = validateRawValue(record.topic, record.value);
      if (!result.ok)
        throw new Error(`${record.topic} ${result.field} ${result.reason}: ${recordText(record)}`);
    }
    const truth = simulation.groundTruth();
    expect(truth.returns.length).toBeGreaterThan(0);
    expect(truth.lateEvents.length).toBeGreaterThan(0);
    expect(truth.surge?.extraPurchases).toBeGreaterThan(0);
  });

  it('breaks exactly the records the ground truth lists as malformed, and leaves the rest unchanged', () => {
    const broken = simulate({ seed: 3, events: 10_000, malformedShare: 0.05 });
    const records = [...broken];
    const truth = broken.groundTruth();
    const malformedIndices = new Set(truth.malformed.map((entry) => entry.index));
    expect(malformedIndices.size).toBeGreaterThan(300);
    expect(new Set(truth.malformed.map((entry) => entry.kind))).toEqual(new Set(MALFORMED_KINDS));
    const valid: string[] = [];
    records.forEach((record, index) => {
      const result = validateRawEvent(record.topic, recordText(record));
      expect(result.ok, `record ${index}`).toBe(!malformedIndices.has(index));
      if (record.raw === true) {
        expect(typeof record.value).toBe('string');
        expect(malformedIndices.has(index)).toBe(true);
      }
      if (!malformedIndices.has(index)) valid.push(toJsonlLine(record));
    });
    for (const entry of truth.malformed) expect(records[entry.index]?.topic).toBe(entry.topic);
    // The valid records are the stream the same seed produces without malformed ones.
    const clean = [...simulate({ seed: 3, events: valid.length })].map(toJsonlLine);
    expect(valid).toEqual(clean);
  });

  it('publishes the sample campaigns first and stops at the simulated-hours bound', () => {
    const simulation = simulate({ seed: 2, simulatedHours: 0.25 });
    const records = [...simulation];
    expect(records.slice(0, 4).map((record) => record.topic)).toEqual(Array(4).fill('retail.campaigns'));
    expect(records.slice(0, 4).map((record) => record.key)).toEqual([
      'cmp-fresh-oats-spring',
      'cmp-fresh-oats-plant-protein',
      'cmp-sparkle-soda-summer',
      'cmp-vista-tv-launch',
    ]);
    expect(simulation.clockMs).toBeLessThanOrEqual(Date.parse('2026-03-02T00:15:00.000Z'));
    expect(records.length).toBeGreaterThan(1_000);
  });

  it('refuses bad options with the option named', () => {
    expect(() => simulate({ seed: -1 })).toThrow(/seed/);
    expect(() => simulate({ malformedShare: 2 })).toThrow(/malformedShare/);
    expect(() => simulate({ surge: { region: 'atlantis' } })).toThrow(/surge.region/);
    expect(() => simulate({ start: 'yesterday' })).toThrow(/start/);
  });

  it('can be iterated only once', () => {
    const simulation = simulate({ events: 10 });
    expect([...simulation]).toHaveLength(10);
    expect(() => [...simulation]).toThrow(/only once/);
  });
});
