/** The stateless first stage: forwards ad events and purchases from `cleanroom.events` to the detector's topic. */
import { cleanEventSchema } from '../../schema/index.ts';
import type { CleanEvent } from '../../schema/index.ts';
import type { Processor } from '../runtime/index.ts';
import { FRAUD_INPUT_TOPIC } from './topics.ts';

/** Whether the detector needs an event: ad events, and purchases with revenue by a known subject. */
export function isFraudInput(event: CleanEvent): boolean {
  const isAd = event.type === 'impression' || event.type === 'click';
  const isConversion = event.type === 'purchase' && event.subjectId !== null && event.revenue > 0;
  return isAd || isConversion;
}

/** The key and output id under which an event is routed to the detector's topic. */
export function fraudInputOutput(event: CleanEvent): { key: string; outputId: string } {
  return { key: 'fraud', outputId: `fraud-input:${event.eventId}` };
}

/** A processor (for `createProcessorHost`) that routes what the detector needs to its single partition. */
export function createFraudRouter(inputTopic: string = FRAUD_INPUT_TOPIC): Processor<CleanEvent> {
  return {
    parse: (record) => cleanEventSchema.parse(JSON.parse(record.value)),
    // Untimed: the detector judges every ad event, however late, so nothing may be dropped as too late here.
    eventTime: () => null,
    eventId: (event) => event.eventId,
    onRecord(event, context) {
      if (!isFraudInput(event)) return;
      context.emit({ topic: inputTopic, value: event, ...fraudInputOutput(event) });
    },
  };
}
