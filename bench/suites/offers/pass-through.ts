/**
 * The offer engine's baseline: the same processor host over the same five inputs in the same merged layout, with
 * the same parsing, that forwards every zone entry as it comes (no eligibility, stock, caps or state).
 */
import { createProcessorHost } from '../../../processors/runtime/index.ts';
import type { Log, Processor, ProcessorHost } from '../../../processors/runtime/index.ts';
import { TOPICS, instoreCleanSchema } from '../../../schema/index.ts';
import type { InstoreCleanEvent } from '../../../schema/index.ts';

/** Where the pass-through writes its copies. */
export const PASS_THROUGH_TOPIC = 'bench.offers-pass-through';

type Input = { kind: 'instore'; record: InstoreCleanEvent } | { kind: 'other'; id: string };

const passThrough: Processor<Input> = {
  parse(record) {
    const value: unknown = JSON.parse(record.value);
    if (record.topic === TOPICS.instore) return { kind: 'instore', record: instoreCleanSchema.parse(value) };
    return { kind: 'other', id: `${record.topic}:${record.partition}:${record.offset}` };
  },
  eventTime: () => null,
  eventId: (input) => (input.kind === 'instore' ? input.record.eventId : input.id),
  onRecord(input, ctx) {
    if (input.kind !== 'instore' || input.record.kind !== 'zone_entry') return;
    ctx.emit({
      topic: PASS_THROUGH_TOPIC,
      key: input.record.storeId,
      value: { entryId: input.record.entryId },
      outputId: `pass:${input.record.eventId}`,
    });
  },
};

/** Create the pass-through host (state under `<stateDir>/offers-pass-through`). */
export function createPassThroughHost(options: { log: Log; stateDir: string }): ProcessorHost {
  const { log } = options;
  const host = createProcessorHost({
    log,
    name: 'offers-pass-through',
    inputTopics: [TOPICS.consent, TOPICS.inventory, TOPICS.segmentChanges, TOPICS.events, TOPICS.instore],
    stateDir: options.stateDir,
    layout: 'merged',
    processor: passThrough,
    eventTime: { maxOutOfOrdernessMs: 0 },
  });
  return {
    ...host,
    async start() {
      await log.createTopic(PASS_THROUGH_TOPIC);
      await host.start();
    },
  };
}
