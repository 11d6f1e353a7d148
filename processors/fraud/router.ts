/** The stateless first stage: forwards ad events and purchases from `cleanroom.events` to the detector's topic. */
import { cleanEventSchema } from '../../schema/index.ts';
import type { CleanEvent } from '../../schema/index.ts';
import type { Processor } from '../runtime/index.ts';
import { FRAUD_INPUT_TOPIC } from './topics.ts';

/** A processor (for `createProcessorHost`) that routes what the detector needs to its single partition. */
export function createFraudRouter(inputTopic: string = FRAUD_INPUT_TOPIC): Processor<CleanEvent> {
  return {
    parse: (record) => cleanEventSchema.parse(JSON.parse(record.value)),
    // Untimed: the detector judges every ad event, however late, so nothing may be dropped as too late here.
    eventTime: () => null,
    eventId: (event) => event.eventId,
    onRecord(event, context) {
      const isAd = event.type === 'impression' || event.type === 'click';
      const isConversion = event.type === 'purchase' && event.subjectId !== null && event.revenue > 0;
      if (!isAd && !isConversion) return;
      context.emit({
        topic: inputTopic,
        key: 'fraud',
        value: event,
        outputId: `fraud-input:${event.eventId}`,
      });
    },
  };
}
