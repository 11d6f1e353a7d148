/**
 * What the embedded and the Kafka consumer survive alike: a handler that failed on a batch, a step of the group
 * that failed. Both report such errors to their observers rather than throw them, and go on.
 */
import { LogError } from './errors.ts';
import type { RecordBatch } from './log.ts';

/** A handler that threw on a batch (retriable: the batch is delivered again after {@link handlerRetryPauseMs}). */
export function handlerFailed(batch: RecordBatch, groupId: string, cause: unknown): LogError {
  return new LogError('HANDLER_FAILED', `handler failed on ${batch.topic}[${batch.partition}]`, {
    topic: batch.topic,
    partition: batch.partition,
    offset: batch.records[0]!.offset,
    groupId,
    retriable: true,
    cause,
  });
}

/** A step of the group that failed (a sync, a heartbeat, a rebalance callback): retriable, the consumer goes on. */
export function groupFailed(groupId: string, message: string, cause: unknown): LogError {
  return new LogError('GROUP_FAILED', message, { groupId, retriable: true, cause });
}

/** The pause before a batch whose handler failed is delivered again: 100 ms, doubling per attempt, at most 2 s. */
export function handlerRetryPauseMs(attempt: number): number {
  return Math.min(100 * 2 ** attempt, 2_000);
}

/**
 * A function that hands an error to each observer in turn. An observer's failure must not stop consumption, so
 * it is dropped (and the observers after it are not told).
 */
export function createErrorReporter(
  ...observers: Array<((error: LogError) => void) | undefined>
): (error: LogError) => void {
  return (error) => {
    try {
      for (const observe of observers) observe?.(error);
    } catch {
      // An observer's failure must not stop consumption.
    }
  };
}
