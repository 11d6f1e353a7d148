/**
 * Precision and recall of the detector on the simulator's planted click farms, bot agents and data-centre
 * scrapers, against its ground truth (final verdict per ad event: the highest revision).
 */
import { describe, expect, it } from 'vitest';
import { createFraudDetector } from '../../../processors/fraud/index.ts';
import { simulate } from '../../../simulator/index.ts';
import { cleanFromRaw } from './clean-from-raw.ts';

describe('fraud detector on simulated traffic', () => {
  it('finds planted invalid traffic with precision >= 0.95 and recall >= 0.90', () => {
    const simulation = simulate({ seed: 11, shoppers: 3_000, simulatedHours: 8, lateShare: 0.003 });
    const detector = createFraudDetector();
    const finalValid = new Map<string, { valid: boolean; revision: number }>();
    let signals = 0;
    for (const record of simulation) {
      if (record.raw === true) continue;
      const clean = cleanFromRaw(record.topic, record.value);
      if (clean === null) continue;
      const out = detector.observe(clean);
      signals += out.signals.length;
      for (const verdict of out.verdicts) {
        const before = finalValid.get(verdict.adEventId);
        if (before === undefined || verdict.revision > before.revision) {
          finalValid.set(verdict.adEventId, { valid: verdict.valid, revision: verdict.revision });
        }
      }
    }
    const truth = simulation.groundTruth();
    const planted = new Set(truth.invalidAdEvents.map((event) => event.eventId));
    let truePositives = 0;
    let falsePositives = 0;
    let falseNegatives = 0;
    for (const [adEventId, verdict] of finalValid) {
      const invalid = planted.has(adEventId);
      if (!verdict.valid && invalid) truePositives += 1;
      else if (!verdict.valid) falsePositives += 1;
      else if (invalid) falseNegatives += 1;
    }
    // Recall per planted kind: click farms are SIVT (behaviour), bots and scrapers GIVT (the event itself).
    const recallOf = (reason: string) => {
      const ids = truth.invalidAdEvents
        .filter((event) => event.reasons.includes(reason as never))
        .map((e) => e.eventId);
      const found = ids.filter((id) => finalValid.get(id)?.valid === false).length;
      return { planted: ids.length, recall: ids.length === 0 ? 1 : found / ids.length };
    };
    const byKind = ['click_farm', 'bot_user_agent', 'data_centre_ip'].map(
      (reason) => [reason, recallOf(reason)] as const,
    );
    const precision = truePositives / (truePositives + falsePositives);
    const recall = truePositives / (truePositives + falseNegatives);
    console.log(
      `fraud on simulator: ${finalValid.size} ad events, ${planted.size} planted invalid, ` +
        `tp=${truePositives} fp=${falsePositives} fn=${falseNegatives}, signals=${signals}, ` +
        `precision=${precision.toFixed(4)} recall=${recall.toFixed(4)}; recall by kind: ` +
        byKind.map(([reason, r]) => `${reason} ${r.recall.toFixed(4)} of ${r.planted}`).join(', '),
    );
    for (const [, kind] of byKind) {
      expect(kind.planted).toBeGreaterThan(20);
      expect(kind.recall).toBeGreaterThanOrEqual(0.9);
    }
    expect(planted.size).toBeGreaterThan(200);
    expect(precision).toBeGreaterThanOrEqual(0.95);
    expect(recall).toBeGreaterThanOrEqual(0.9);
  });
});
