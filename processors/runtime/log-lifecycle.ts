/**
 * What the embedded and the Kafka log do alike over their lifetime: refuse work once closed, keep the consumers
 * they hand out, answer a ping with false once closed, and close once (the consumers stopped first, then the
 * log's own resources released).
 */
import { LogError } from './errors.ts';
import type { ConsumerOptions, LogConsumer } from './log.ts';

/** The open or closed state of one log and its open consumers. */
export interface LogLifecycle {
  /** Whether the log is closed (set once its consumers have stopped). */
  readonly closed: boolean;
  /** @throws LogError `CLOSED` once the log is closed. */
  assertOpen(): void;
  /**
   * Checks the options, creates a consumer with `create` (handing it the `onClosed` that forgets it) and keeps
   * it until it stops.
   *
   * @throws LogError `CLOSED` once the log is closed, `INVALID_ARGUMENT` when the options name no topic.
   */
  openConsumer(
    options: ConsumerOptions,
    create: (onClosed: (consumer: LogConsumer) => void) => LogConsumer,
  ): LogConsumer;
  /** False once closed; otherwise what `check` answers, and false when it fails. */
  ping(check: () => Promise<boolean> | boolean): Promise<boolean>;
  /** Stops every open consumer, marks the log closed and runs `release`; does nothing once closed. */
  close(release: () => Promise<void> | void): Promise<void>;
}

/**
 * Creates the lifecycle of a log named `name` in its errors ("the embedded log").
 *
 * @example const lifecycle = createLogLifecycle('the Kafka log');
 */
export function createLogLifecycle(name: string): LogLifecycle {
  const consumers = new Set<LogConsumer>();
  let closed = false;
  const assertOpen = (): void => {
    if (closed) throw new LogError('CLOSED', `${name} is closed`);
  };
  return {
    get closed() {
      return closed;
    },
    assertOpen,
    openConsumer(options, create) {
      assertOpen();
      if (options.topics.length === 0) throw new LogError('INVALID_ARGUMENT', 'a consumer needs topics');
      const consumer = create((done) => consumers.delete(done));
      consumers.add(consumer);
      return consumer;
    },
    async ping(check) {
      if (closed) return false;
      try {
        return await check();
      } catch {
        return false;
      }
    },
    async close(release) {
      if (closed) return;
      await Promise.all([...consumers].map((consumer) => consumer.stop()));
      closed = true;
      await release();
    },
  };
}
