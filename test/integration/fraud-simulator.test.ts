/**
 * The fraud processor end to end on the embedded log: the simulator's raw stream through the real ingest,
 * then the router and the detector (stopped and restarted from its state files half way). Every ad event
 * gets a verdict, replays add none, and the final verdicts find the planted invalid traffic with
 * precision >= 0.95 and recall >= 0.90.
 */
import { describe, expect, it } from 'vitest';
import { createFraudProcessor } from '../../processors/fraud/index.ts';
import type { FraudProcessor } from '../../processors/fraud/index.ts';
import type { Ingest } from '../../processors/ingest/index.ts';
import { createEmbeddedLog } from '../../processors/runtime/index.ts';
import type { Log, LogConsumer } from '../../processors/runtime/index.ts';
import { fraudSignalSchema, ivtVerdictSchema } from '../../schema/index.ts';
import type { IvtVerdict } from '../../schema/index.ts';
import { simulate, writeToLog } from '../../simulator/index.ts';
import { cleanUpAfterEach } from '../helpers/clean-up.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { startIngest } from '../processors/ingest/index.ts';

describe('fraud processor on simulated traffic through ingest', () => {
  const cleanUp = cleanUpAfterEach();

  it('judges every ad event, survives a restart, and meets precision and recall', async () => {
    const dir = cleanUp.tempDir('fraud-e2e');
    const log: Log = createEmbeddedLog({
      path: `${dir}/log.sqlite`,
      pollIntervalMs: 20,
      heartbeatIntervalMs: 100,
    });
    cleanUp.onStop(() => log.close());
    const simulation = simulate({ seed: 5, shoppers: 1_500, simulatedHours: 4 });
    const records = [...simulation];
    const adEventIds = new Set(
      records
        .filter((r) => r.topic === 'retail.ad-events' && typeof r.value === 'object')
        .map((r) => (r.value as { eventId: string }).eventId),
    );
    const half = Math.floor(records.length / 2);
    await writeToLog(log, records.slice(0, half));

    const ingest: Ingest = await startIngest(log, dir);
    cleanUp.onStop(() => ingest.stop());
    const verdictIds = new Map<string, string>();
    const finals = new Map<string, IvtVerdict>();
    let signals = 0;
    const reader: LogConsumer = log.consumer({
      groupId: 'fraud-e2e-reader',
      topics: ['cleanroom.ivt', 'cleanroom.fraud-signals'],
    });
    cleanUp.onStop(() => reader.stop());
    await reader.run(async (batch) => {
      for (const record of batch.records) {
        if (record.topic === 'cleanroom.fraud-signals') {
          fraudSignalSchema.parse(JSON.parse(record.value));
          signals += 1;
          continue;
        }
        const verdict = ivtVerdictSchema.parse(JSON.parse(record.value));
        // A re-sent verdict is byte-for-byte the same output under the same id.
        const before = verdictIds.get(verdict.verdictId);
        if (before !== undefined) expect(before).toBe(record.value);
        verdictIds.set(verdict.verdictId, record.value);
        const latest = finals.get(verdict.adEventId);
        if (latest === undefined || verdict.revision > latest.revision)
          finals.set(verdict.adEventId, verdict);
      }
    });

    const startFraud = async (): Promise<FraudProcessor> => {
      const fraud = createFraudProcessor({ log, stateDir: `${dir}/state` });
      await fraud.start();
      return fraud;
    };
    const first = await startFraud();
    await waitFor(() => finals.size > 0, { timeout: 60_000, message: 'first verdicts' });
    await first.stop();

    await writeToLog(log, records.slice(half));
    const second = await startFraud();
    cleanUp.onStop(() => second.stop());
    await waitFor(
      async () =>
        ingest.stats().processed === records.length &&
        (await second.caughtUp()) &&
        finals.size === adEventIds.size,
      { timeout: 90_000, interval: 100, message: 'every ad event judged' },
    );

    const planted = new Set(simulation.groundTruth().invalidAdEvents.map((event) => event.eventId));
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (const [adEventId, verdict] of finals) {
      if (!verdict.valid && planted.has(adEventId)) tp += 1;
      else if (!verdict.valid) fp += 1;
      else if (planted.has(adEventId)) fn += 1;
    }
    const precision = tp / (tp + fp);
    const recall = tp / (tp + fn);
    console.log(
      `fraud through ingest: ${records.length} raw records, ${finals.size} ad events judged, ${planted.size} planted, ` +
        `${verdictIds.size} verdicts, ${signals} signals, precision=${precision.toFixed(4)} recall=${recall.toFixed(4)}`,
    );
    expect([...finals.keys()].every((id) => adEventIds.has(id))).toBe(true);
    expect(precision).toBeGreaterThanOrEqual(0.95);
    expect(recall).toBeGreaterThanOrEqual(0.9);
  });
});
