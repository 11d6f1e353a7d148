/**
 * One consent view, used by every answer: over random consent histories (opt-ins, opt-outs, erasures, subjects
 * never described), segment sizes, overlaps and audience signals count exactly the subjects whose latest
 * consent allows it — a subject without a record follows the host default, which ships as none — checked after
 * every record against a reference computed from the history alone.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRecordApplier } from '../../../gateway/read-models/materializer.ts';
import { createReadModels } from '../../../gateway/read-models/read-models.ts';
import { createLiveFeeds } from '../../../gateway/subscriptions/live-feeds.ts';
import { createSignalHub } from '../../../gateway/subscriptions/signal-hub.ts';
import type { DerivedSignal } from '../../../gateway/subscriptions/signal-hub.ts';
import { TOPICS } from '../../../schema/index.ts';

const SUBJECTS = ['s0', 's1', 's2', 's3', 's4', 's5', 's6', 's7'];

type Step =
  | { kind: 'consent'; subject: number; measurement: boolean; partnerSharing: boolean }
  | { kind: 'erase'; subject: number }
  | { kind: 'enter' | 'exit'; subject: number; sharingAtEvent: boolean };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    kind: fc.constant('consent' as const),
    subject: fc.nat(SUBJECTS.length - 1),
    measurement: fc.boolean(),
    partnerSharing: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('erase' as const), subject: fc.nat(SUBJECTS.length - 1) }),
  fc.record({
    kind: fc.constantFrom('enter' as const, 'exit' as const),
    subject: fc.nat(SUBJECTS.length - 1),
    sharingAtEvent: fc.boolean(),
  }),
);

describe('the consent view', () => {
  it('counts and signals only the subjects whose latest consent allows it, after every record', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
        const models = createReadModels({ consentDefault: { measurement: false, partnerSharing: false } });
        const hub = createSignalHub({ segmentsOf: (subjectId) => models.segmentsOf(subjectId) });
        const apply = createRecordApplier({ models, hub, feeds: createLiveFeeds() });
        const received: DerivedSignal[] = [];
        hub.subscribe({ accepts: () => true, deliver: ({ signal }) => (received.push(signal), true) }, null);

        // The reference: the latest consent of each subject, erasure permanent, membership of one segment.
        const consent = new Map<string, { measurement: boolean; partnerSharing: boolean }>();
        const erased = new Set<string>();
        const members = new Set<string>();
        const offsets = new Map<string, number>();
        const record = (topic: string, key: string, value: unknown) => {
          const offset = offsets.get(topic) ?? 0;
          offsets.set(topic, offset + 1);
          apply({
            topic,
            partition: 0,
            offset,
            key,
            value: JSON.stringify(value),
            timestamp: 0,
            headers: {},
          });
        };
        let sequence = 0;
        for (const next of steps) {
          const subjectId = SUBJECTS[next.subject] as string;
          // Ingest never emits anything more about an erased subject: it no longer resolves.
          if (erased.has(subjectId)) continue;
          sequence += 1;
          const at = new Date(Date.UTC(2026, 0, 1, 0, 0, sequence)).toISOString();
          if (next.kind === 'consent' || next.kind === 'erase') {
            const isErase = next.kind === 'erase';
            const measurement = !isErase && next.measurement;
            const partnerSharing = !isErase && next.partnerSharing;
            record(TOPICS.consent, subjectId, {
              changeId: `c${sequence}`,
              subjectId,
              occurredAt: at,
              consent: { measurement, personalization: false, partnerSharing },
              erased: isErase,
            });
            consent.set(subjectId, { measurement, partnerSharing });
            if (isErase) {
              erased.add(subjectId);
              members.delete(subjectId);
            }
          } else {
            record(TOPICS.segmentChanges, subjectId, {
              changeId: `seg:seg:${subjectId}:${sequence}`,
              segmentId: 'seg',
              subjectId,
              action: next.kind === 'enter' ? 'entered' : 'exited',
              at,
              cause: 'event',
              segmentSize: 0,
              partnerSharing: next.sharingAtEvent,
            });
            if (next.kind === 'enter') members.add(subjectId);
            else members.delete(subjectId);
          }
          const measurable = [...members].filter((s) => consent.get(s)?.measurement === true);
          const shareable = [...members].filter((s) => consent.get(s)?.partnerSharing === true);
          // Aggregates: segment size and an overlap of an upload naming every subject.
          expect(models.segmentSize('seg')).toBe(measurable.length);
          expect(SUBJECTS.filter((s) => models.measurable(s)).length).toBe(
            SUBJECTS.filter((s) => consent.get(s)?.measurement === true).length,
          );
          // Signals: what the partner holds (entered minus exited) is within the shareable members, and no
          // ENTERED ever names a subject that may not be shared at that moment.
          const held = new Set<string>();
          for (const signal of received) {
            if (signal.action === 'ENTERED') held.add(signal.subjectId);
            else held.delete(signal.subjectId);
          }
          for (const subject of held) expect(shareable).toContain(subject);
          const last = received.at(-1);
          if (last?.action === 'ENTERED') expect(consent.get(last.subjectId)?.partnerSharing).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});
