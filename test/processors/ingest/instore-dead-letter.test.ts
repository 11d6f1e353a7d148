/**
 * Malformed zone-sensor counts (`foot_traffic` on `retail.instore`) never reach `cleanroom.instore`, where the
 * foot-traffic triggers sum them: ingest dead-letters each with its field and reason, passes the well-formed ones
 * on, and does not stall behind the bad ones.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Ingest } from '../../../processors/ingest/index.ts';
import type { Log } from '../../../processors/runtime/index.ts';
import { RAW_TOPICS } from '../../../schema/events.ts';
import { TOPICS, deadLetterSchema, instoreCleanSchema } from '../../../schema/topics.ts';
import { createTempDir, removeTempDir } from '../../helpers/temp-dir.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { collectOutputs, openLog, produceRaw, startIngest } from './ingest-harness.ts';
import type { OutputCollector } from './ingest-harness.ts';

const sensor = (eventId: string, overrides: Record<string, unknown> = {}) => ({
  eventId,
  occurredAt: '2026-03-02T12:15:05.000Z',
  kind: 'foot_traffic',
  storeId: 'store-west-01',
  region: 'west',
  zone: 'entrance',
  windowSeconds: 900,
  count: 42,
  ...overrides,
});

describe('ingest: malformed foot-traffic records', () => {
  let dir: string;
  let log: Log;
  let ingest: Ingest | undefined;
  let outputs: OutputCollector | undefined;
  beforeEach(() => {
    dir = createTempDir('ingest-foot');
    log = openLog(dir);
  });
  afterEach(async () => {
    await outputs?.stop();
    await ingest?.stop();
    await log.close();
    removeTempDir(dir);
  });

  it('dead-letters each with its field and reason, and passes the well-formed ones on', async () => {
    outputs = await collectOutputs(log, 'foot-reader', [TOPICS.instore, TOPICS.deadLetter]);
    ingest = await startIngest(log, dir);
    const malformed: Array<[object, string]> = [
      [sensor('bad-negative', { count: -3 }), 'count'],
      [sensor('bad-fraction', { count: 4.5 }), 'count'],
      [sensor('bad-text', { count: '12' }), 'count'],
      [sensor('bad-huge', { count: 5_000_000 }), 'count'],
      [sensor('bad-window', { windowSeconds: 0 }), 'windowSeconds'],
      [sensor('bad-long-window', { windowSeconds: 7_200 }), 'windowSeconds'],
      [sensor('bad-missing', { count: undefined }), 'count'],
      [sensor('bad-region', { region: '' }), 'region'],
      [sensor('bad-time', { occurredAt: 'noon' }), 'occurredAt'],
      // A sensor count names no one: identifiers on it are refused, not hashed.
      [sensor('bad-customer', { customer: { email: 'a@b.example' } }), '(value)'],
    ];
    await produceRaw(
      log,
      RAW_TOPICS.instore,
      [sensor('good-1'), ...malformed.map(([value]) => value), '{not json', sensor('good-2', { count: 0 })],
      'store-west-01',
    );
    await waitFor(() => outputs!.of(TOPICS.deadLetter).length >= malformed.length + 1, { timeout: 15_000 });
    await waitFor(() => outputs!.of(TOPICS.instore).length >= 2, { timeout: 15_000 });

    const letters = outputs
      .of(TOPICS.deadLetter)
      .map((record) => deadLetterSchema.parse(JSON.parse(record.value)));
    expect(letters).toHaveLength(malformed.length + 1);
    expect(
      letters.every((letter) => letter.sourceTopic === RAW_TOPICS.instore && letter.reason.length > 0),
    ).toBe(true);
    // In offset order after good-1 (offset 0): each bad record names its field.
    const byOffset = new Map(letters.map((letter) => [letter.offset, letter]));
    malformed.forEach(([, field], index) => {
      expect(byOffset.get(index + 1)?.field, `malformed record ${index}`).toBe(field);
    });
    expect(byOffset.get(malformed.length + 1)?.field).toBe('(value)');
    // The dead letter holds a digest of the refused bytes, never the payload.
    expect(letters.every((letter) => /^[0-9a-f]{64}$/.test(letter.payloadSha256))).toBe(true);

    const passed = outputs
      .of(TOPICS.instore)
      .map((record) => instoreCleanSchema.parse(JSON.parse(record.value)));
    expect(
      passed.map((event) => [event.eventId, event.kind === 'foot_traffic' ? event.count : null]),
    ).toEqual([
      ['retail.instore:good-1', 42],
      ['retail.instore:good-2', 0],
    ]);
  });
});
