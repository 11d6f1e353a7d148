/**
 * The consumers a log has handed out and not yet seen stop, so that closing the log stops each (the embedded
 * and the Kafka log alike).
 */
import { LogError } from './errors.ts';
import type { ConsumerOptions, LogConsumer } from './log.ts';

/** The open consumers of one log. */
export interface LogConsumers {
  /**
   * Checks the options, creates a consumer with `create` (handing it the `onClosed` that forgets it) and keeps it.
   *
   * @throws LogError `INVALID_ARGUMENT` when the options name no topic.
   */
  open(
    options: ConsumerOptions,
    create: (onClosed: (consumer: LogConsumer) => void) => LogConsumer,
  ): LogConsumer;
  /** Stops every open consumer; resolves once all have stopped. */
  stopAll(): Promise<void>;
}

/** Creates the (empty) set of a log's open consumers. */
export function createLogConsumers(): LogConsumers {
  const consumers = new Set<LogConsumer>();
  return {
    open(options, create) {
      if (options.topics.length === 0) throw new LogError('INVALID_ARGUMENT', 'a consumer needs topics');
      const consumer = create((done) => consumers.delete(done));
      consumers.add(consumer);
      return consumer;
    },
    async stopAll() {
      await Promise.all([...consumers].map((consumer) => consumer.stop()));
    },
  };
}
