import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from '../../../gateway/subscriptions/cursor.ts';
import { createSignalHub, CursorExpiredError } from '../../../gateway/subscriptions/signal-hub.ts';
import type { HubRecord, PositionedSignal } from '../../../gateway/subscriptions/signal-hub.ts';

function record(
  partition: number,
  offset: number,
  subjectId: string,
  action: 'entered' | 'exited',
): HubRecord {
  return {
    kind: 'segment-change',
    topic: 'cleanroom.segment-changes',
    partition,
    offset,
    segmentId: 'seg',
    subjectId,
    action,
    at: '2026-11-01T00:00:00.000Z',
    partnerSharing: true,
  };
}

function sink(into: PositionedSignal[]) {
  return { accepts: () => true, deliver: (item: PositionedSignal) => into.push(item) > 0 };
}

describe('signal hub', () => {
  it('delivers every signal exactly once across any disconnect point (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 9 }), fc.boolean()), {
          minLength: 1,
          maxLength: 80,
        }),
        fc.nat(),
        fc.nat(),
        (inputs, cutAt, reconnectAt) => {
          const hub = createSignalHub({ segmentsOf: () => [] });
          const offsets = [0, 0, 0, 0];
          const records = inputs.map(([partition, subject, enter]) => {
            const offset = offsets[partition] ?? 0;
            offsets[partition] = offset + 1;
            return record(partition, offset, `s${subject}`, enter ? 'entered' : 'exited');
          });
          const reference: PositionedSignal[] = [];
          const referenceHub = createSignalHub({ segmentsOf: () => [] });
          referenceHub.subscribe(sink(reference), null);
          for (const input of records) referenceHub.ingest(input);

          const first: PositionedSignal[] = [];
          const { detach } = hub.subscribe(sink(first), null);
          const cut = cutAt % (records.length + 1);
          const reconnect = cut + (reconnectAt % (records.length - cut + 1));
          records.slice(0, cut).forEach((input) => hub.ingest(input));
          const keep = first.length === 0 ? 0 : first.length - (cutAt % (first.length + 1));
          detach();
          records.slice(cut, reconnect).forEach((input) => hub.ingest(input));
          const resumed = first.slice(0, keep);
          const cursor = resumed.at(-1) ? encodeCursor((resumed.at(-1) as PositionedSignal).position) : null;
          const second: PositionedSignal[] = [];
          hub.subscribe(sink(second), cursor === null ? {} : decodeCursor(cursor));
          records.slice(reconnect).forEach((input) => hub.ingest(input));
          const seen = [...resumed, ...second].map(
            (item) => `${item.signal.subjectId}:${item.signal.action}`,
          );
          const expected = reference.map((item) => `${item.signal.subjectId}:${item.signal.action}`);
          expect(seen).toEqual(expected);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('hides non-consented shoppers and exits every held membership on opt-out', () => {
    const hub = createSignalHub({ segmentsOf: () => ['seg'] });
    const seen: PositionedSignal[] = [];
    hub.subscribe(sink(seen), null);
    hub.ingest({ ...record(0, 0, 'a', 'entered') });
    hub.ingest({ ...record(0, 1, 'b', 'entered'), partnerSharing: false });
    hub.ingest({
      kind: 'consent',
      topic: 'cleanroom.consent',
      partition: 0,
      offset: 0,
      subjectId: 'a',
      partnerSharing: false,
      at: 'x',
    });
    hub.ingest({ ...record(0, 2, 'a', 'entered') });
    hub.ingest({
      kind: 'consent',
      topic: 'cleanroom.consent',
      partition: 0,
      offset: 1,
      subjectId: 'a',
      partnerSharing: true,
      at: 'y',
    });
    expect(seen.map((item) => `${item.signal.subjectId}:${item.signal.action}`)).toEqual([
      'a:ENTERED',
      'a:EXITED',
      'a:ENTERED',
    ]);
  });

  it('refuses a cursor older than the retained history', () => {
    const hub = createSignalHub({ segmentsOf: () => [], retainedRecords: 2 });
    const seen: PositionedSignal[] = [];
    hub.subscribe(sink(seen), null);
    for (let offset = 0; offset < 5; offset += 1) hub.ingest(record(0, offset, `s${offset}`, 'entered'));
    expect(() => hub.subscribe(sink([]), seen[0]?.position ?? null)).toThrow(CursorExpiredError);
    const recent: PositionedSignal[] = [];
    hub.subscribe(sink(recent), seen[3]?.position ?? null);
    expect(recent.map((item) => item.signal.subjectId)).toEqual(['s4']);
  });

  it('replays a long history at the subscriber’s pace, then goes live without a gap', () => {
    const hub = createSignalHub({ segmentsOf: () => [] });
    const start: PositionedSignal[] = [];
    const first = hub.subscribe(sink(start), null);
    hub.ingest(record(0, 0, 's0', 'entered'));
    first.detach();
    for (let offset = 1; offset < 50; offset += 1)
      hub.ingest(record(offset % 2, offset, `s${offset}`, 'entered'));
    const buffer: PositionedSignal[] = [];
    const handle = hub.subscribe(
      { accepts: () => true, deliver: (item) => buffer.push(item) > 0, hasCapacity: () => buffer.length < 5 },
      start[0]?.position ?? null,
    );
    expect(buffer).toHaveLength(5);
    expect(hub.subscriberCount()).toBe(0);
    const seen: string[] = [];
    while (buffer.length > 0) {
      seen.push(...buffer.splice(0).map((item) => item.signal.subjectId));
      handle.resume();
    }
    expect(hub.subscriberCount()).toBe(1);
    hub.ingest(record(0, 50, 's50', 'entered'));
    seen.push(...buffer.splice(0).map((item) => item.signal.subjectId));
    expect(seen).toEqual(Array.from({ length: 50 }, (_, index) => `s${index + 1}`));
  });

  it('rejects cursors that are not ours', () => {
    expect(decodeCursor('garbage')).toBeNull();
    expect(
      decodeCursor(Buffer.from(JSON.stringify({ v: 1, p: { 'x#0': [-1, 0] } })).toString('base64url')),
    ).toBeNull();
  });
});
