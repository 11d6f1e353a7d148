/**
 * Instrumentation of a processor host: a constant map of event names (as KafkaJS's `consumer.events`).
 * Payloads hold the task, topics, partitions, offsets and counts — never a record's value.
 */

/** Events a host tells its `onEvent` listener about. */
export const HOST_EVENTS = {
  /** A batch's state, offsets and outputs committed: `{ task, topic, partition, nextOffset, records, outputs }`, per input partition. */
  BATCH_COMMITTED: 'host.batch_committed',
  /** Outputs were produced from a task's outbox: `{ task, outputs }`. */
  OUTPUTS_PRODUCED: 'host.outputs_produced',
  /** A batch failed and will be delivered again: `{ task, topic, partition, offset, error }`. */
  BATCH_FAILED: 'host.batch_failed',
} as const;

/** A host event name. */
export type HostEventName = (typeof HOST_EVENTS)[keyof typeof HOST_EVENTS];

/** A listener of a host's events. */
export type HostEventListener = (event: HostEventName, payload: Record<string, unknown>) => void;
