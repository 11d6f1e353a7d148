import { statSync } from 'node:fs';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { INGEST_EVENTS } from '../../../processors/ingest/index.ts';
import type { Ingest } from '../../../processors/ingest/index.ts';
import type { Log } from '../../../processors/runtime/index.ts';
import { cleanEventSchema, deadLetterSchema } from '../../../schema/topics.ts';
import { createTempDir, removeTempDir } from '../../helpers/temp-dir.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { adClick, interaction, loyalty, purchase } from './fixtures.ts';
import { captureLogger, collectOutputs, openLog, produceRaw, startIngest } from './ingest-harness.ts';
import type { OutputCollector } from './ingest-harness.ts';

const all = { measurement: true, personalization: true, partnerSharing: true };

describe('ingest on the embedded log', () => {
  let dir: string;
  let log: Log;
  let ingest: Ingest | undefined;
  let outputs: OutputCollector | undefined;
  beforeEach(() => {
    dir = createTempDir('ingest');
    log = openLog(dir);
  });
  afterEach(async () => {
    await outputs?.stop();
    await ingest?.stop();
    await log.close();
    removeTempDir(dir);
  });

  it('writes clean events, consent, campaigns and dead letters; drops duplicates; counts all', async () => {
    const lines: string[] = [];
    const deadLetters: unknown[] = [];
    const registry = new Registry();
    const consentChanges: unknown[] = [];
    ingest = await startIngest(log, dir, { logger: captureLogger(lines), metricsRegistry: registry });
    ingest.on(INGEST_EVENTS.CONSENT_CHANGED, (payload) => consentChanges.push(payload));
    ingest.on(INGEST_EVENTS.DEAD_LETTER, (payload) => deadLetters.push(payload));
    outputs = await collectOutputs(log, 'test-reader');
    await produceRaw(log, 'retail.loyalty', [loyalty('l1', 'L-1', all, { email: 'one@example.com' })], 'L-1');
    await produceRaw(log, 'retail.transactions', [
      purchase('t1', { email: 'one@example.com' }),
      purchase('t1', { email: 'one@example.com' }),
      purchase('t2'),
      '{"eventId": 42}',
      'not json at all',
    ]);
    await produceRaw(log, 'retail.ad-events', [adClick('a1', { ip: '73.1.2.3' }), adClick('a1')]);
    await produceRaw(log, 'retail.interactions', [interaction('i1', { customer: { phone: 'bad phone' } })]);
    await produceRaw(
      log,
      'retail.campaigns',
      [{ campaignId: 'C1', brand: 'Acme', name: 'Spring', startsAt: '2026-03-01T00:00:00Z', products: {} }],
      'C1',
    );

    await waitFor(() => ingest!.stats().processed === 10, { message: 'all raw records processed' });
    expect(ingest.stats()).toEqual({
      processed: 10,
      events: 3,
      deadLettered: 3,
      duplicates: 2,
      consentChanges: 1,
      campaigns: 1,
      inventory: 0,
      instore: 0,
    });
    await waitFor(() => outputs!.records.length === 8, { message: 'outputs collected' });
    const events = outputs
      .of('cleanroom.events')
      .map((record) => cleanEventSchema.parse(JSON.parse(record.value)));
    expect(events.map((event) => event.eventId).sort()).toEqual([
      'retail.ad-events:a1',
      'retail.transactions:t1',
      'retail.transactions:t2',
    ]);
    const letters = outputs
      .of('cleanroom.dead-letter')
      .map((record) => deadLetterSchema.parse(JSON.parse(record.value)));
    expect(letters.map((letter) => letter.field).sort()).toEqual(['(value)', 'customer.phone', 'eventId']);
    expect(deadLetters).toHaveLength(3);
    expect(consentChanges).toEqual([{ subjectId: expect.any(String), erased: false }]);
    const metric = await registry.getSingleMetric('cleanroom_ingest_records_total')!.get();
    const byOutcome = Object.fromEntries(metric.values.map((entry) => [entry.labels.outcome, entry.value]));
    expect(byOutcome).toEqual({ consent: 1, event: 3, 'dead-letter': 3, duplicate: 2, campaign: 1 });
    expect(outputs.of('cleanroom.consent')).toHaveLength(1);
    expect(outputs.of('cleanroom.campaigns')[0]).toMatchObject({ key: 'C1' });
    expect(outputs.records.every((record) => record.headers['cleanroom-output-id'] !== undefined)).toBe(true);
    expect(lines.some((line) => line.includes('dead-lettered'))).toBe(true);
    expect(lines.join('\n')).not.toMatch(/one@example\.com|bad phone|73\.1\.2\.3|L-1/);
    expect(statSync(ingest.databasePath).mode & 0o777).toBe(0o600);
  });

  it('resumes exactly after a restart: nothing lost, nothing twice', async () => {
    ingest = await startIngest(log, dir);
    await produceRaw(
      log,
      'retail.ad-events',
      Array.from({ length: 40 }, (_, index) => adClick(`a${index}`)),
    );
    await waitFor(() => ingest!.stats().processed === 40);
    await ingest.stop();
    // While ingest is down: new events and replays of old ones.
    await produceRaw(
      log,
      'retail.ad-events',
      Array.from({ length: 60 }, (_, index) => adClick(`a${index + 20}`)),
    );
    ingest = await startIngest(log, dir);
    await waitFor(() => ingest!.stats().processed === 100);
    expect(ingest.stats()).toMatchObject({ processed: 100, events: 80, duplicates: 20 });
    outputs = await collectOutputs(log, 'test-reader');
    await waitFor(() => outputs!.records.length === 80);
    const ids = outputs
      .of('cleanroom.events')
      .map((record) => (JSON.parse(record.value) as { eventId: string }).eventId);
    expect(new Set(ids).size).toBe(80);
  });

  it('re-produces the outbox after a failed produce: nothing lost, nothing processed twice', async () => {
    let failuresLeft = 3;
    const flaky: Log = Object.create(log) as Log;
    flaky.produce = async (topic, messages) => {
      if (topic === 'cleanroom.events' && failuresLeft > 0) {
        failuresLeft -= 1;
        throw new Error('broker unavailable');
      }
      return log.produce(topic, messages);
    };
    const failed: unknown[] = [];
    ingest = await startIngest(flaky, dir);
    ingest.on(INGEST_EVENTS.BATCH_FAILED, (payload) => failed.push(payload));
    await produceRaw(
      log,
      'retail.ad-events',
      Array.from({ length: 30 }, (_, index) => adClick(`f${index}`)),
    );
    outputs = await collectOutputs(log, 'test-reader');
    await waitFor(() => outputs!.of('cleanroom.events').length >= 30 && failuresLeft === 0);
    expect(failed.length).toBeGreaterThanOrEqual(1);
    expect(ingest.stats()).toMatchObject({ processed: 30, events: 30, duplicates: 0 });
    const ids = outputs.of('cleanroom.events').map((record) => record.headers['cleanroom-output-id']);
    expect(new Set(ids).size).toBe(30);
  });

  it('rebuilds from offset 0 when its state is new, whatever the group committed', async () => {
    ingest = await startIngest(log, dir);
    await produceRaw(
      log,
      'retail.loyalty',
      [loyalty('r1', 'L-R', all, { email: 'rebuild@example.com' })],
      'L-R',
    );
    await waitFor(() => ingest!.stats().processed === 1);
    await ingest.stop();
    const freshDir = createTempDir('ingest-fresh');
    try {
      ingest = await startIngest(log, freshDir);
      await waitFor(() => ingest!.stats().processed === 1);
      expect(ingest.consent.counts().subjects).toBe(1);
      await ingest.stop();
    } finally {
      removeTempDir(freshDir);
    }
    ingest = undefined;
  });
});
