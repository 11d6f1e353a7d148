/**
 * An opt-out published on `retail.loyalty` reaches `cleanroom.consent` within 2 s — the signal processors and
 * the gateway act on to drop the shopper from partner-facing flows — and every later event of the shopper
 * carries the withdrawn consent. Runs on the embedded log and on the real Kafka broker.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Ingest } from '../../processors/ingest/index.ts';
import { createKafkaLog } from '../../processors/runtime/index.ts';
import type { Log, LogConsumer } from '../../processors/runtime/index.ts';
import type { CleanEvent, ConsentChange } from '../../schema/topics.ts';
import { kafkaBrokers, kafkaSkipReason, uniqueName } from '../helpers/kafka.ts';
import { createTempDir, removeTempDir } from '../helpers/temp-dir.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { adClick, loyalty, openLog, startIngest } from '../processors/ingest/index.ts';

const OPT_OUT_DEADLINE_MS = 2_000;
const optedIn = { measurement: true, personalization: true, partnerSharing: true };
const optedOut = { measurement: true, personalization: false, partnerSharing: false };

const implementations = [
  { kind: 'embedded', skipReason: undefined, open: (dir: string): Log => openLog(dir) },
  {
    kind: 'kafka',
    skipReason: kafkaSkipReason(),
    open: (): Log => createKafkaLog({ brokers: kafkaBrokers() ?? '', clientId: uniqueName('opt-out') }),
  },
];

describe.each(implementations)('opt-out on $kind', ({ kind, skipReason, open }) => {
  const suite = skipReason ? describe.skip : describe;
  suite(skipReason ? `skipped: ${skipReason}` : 'within 2 s', () => {
    let dir: string;
    let log: Log | undefined;
    let ingest: Ingest | undefined;
    let reader: LogConsumer | undefined;
    afterEach(async () => {
      await reader?.stop();
      await ingest?.stop();
      await log?.close();
      removeTempDir(dir);
    });

    it('publishes the consent change promptly and stamps later events with it', async () => {
      dir = createTempDir(`opt-out-${kind}`);
      log = open(dir);
      const prefix = kind === 'kafka' ? `${uniqueName('optout')}.` : '';
      ingest = await startIngest(log, dir, { topicPrefix: prefix, groupId: uniqueName('cleanroom-ingest') });
      const changes: Array<ConsentChange & { seenAt: number }> = [];
      const events: CleanEvent[] = [];
      reader = log.consumer({
        groupId: uniqueName('opt-out-reader'),
        topics: [`${prefix}cleanroom.consent`, `${prefix}cleanroom.events`],
        fromBeginning: true,
      });
      await reader.run(async (batch) => {
        for (const record of batch.records) {
          const value = JSON.parse(record.value) as ConsentChange & CleanEvent;
          if (record.topic.endsWith('cleanroom.consent')) changes.push({ ...value, seenAt: Date.now() });
          else events.push(value);
        }
      });
      const email = { email: 'optout.shopper@example.com' };
      await log.produce(`${prefix}retail.loyalty`, [
        { key: 'L-77', value: JSON.stringify(loyalty('l77a', 'L-77', optedIn, email)) },
      ]);
      await waitFor(() => changes.length === 1, { timeout: 30_000, message: 'the opt-in' });

      const optOut = { ...loyalty('l77b', 'L-77', optedOut, email), occurredAt: '2026-03-01T10:05:00Z' };
      const publishedAt = Date.now();
      await log.produce(`${prefix}retail.loyalty`, [{ key: 'L-77', value: JSON.stringify(optOut) }]);
      const change = (await waitFor(
        () => changes.find((candidate) => candidate.changeId === 'consent:l77b'),
        {
          timeout: OPT_OUT_DEADLINE_MS,
          interval: 10,
          message: `the opt-out within ${OPT_OUT_DEADLINE_MS} ms`,
        },
      ))!;
      expect(change.seenAt - publishedAt).toBeLessThan(OPT_OUT_DEADLINE_MS);
      expect(change).toMatchObject({ subjectId: changes[0]!.subjectId, consent: optedOut, erased: false });

      await log.produce(`${prefix}retail.ad-events`, [
        { key: null, value: JSON.stringify(adClick('a77', { customer: email })) },
      ]);
      const event = await waitFor(() =>
        events.find((candidate) => candidate.eventId === 'retail.ad-events:a77'),
      );
      expect(event).toMatchObject({ subjectId: change.subjectId, consent: optedOut });
    });
  });
});
