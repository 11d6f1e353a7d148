/**
 * A bounded async queue behind one subscriber: the producer pushes synchronously, the subscriber pulls with
 * `for await`. When the buffer is full the subscriber is too slow: the queue ends with an error naming the
 * reason, and its memory is released. Returning from the iterator runs `onClose` once.
 */

/** Raised into a subscriber that could not keep up. */
export class SlowSubscriberError extends Error {
  constructor(limit: number) {
    super(`subscriber too slow: more than ${limit} items buffered; reconnect with your last cursor`);
    this.name = 'SlowSubscriberError';
  }
}

/** A queue that is also the subscriber's async iterator. */
export interface BoundedQueue<T> extends AsyncIterableIterator<T> {
  /** Enqueue; false when the queue is closed (or just overflowed and closed). */
  push(item: T): boolean;
  /** End the stream with an error after the items already buffered. */
  fail(error: Error): void;
  /** End the stream after the items already buffered. */
  end(): void;
  readonly closed: boolean;
  /** Items buffered and not yet pulled. */
  readonly size: number;
}

/** Create a queue holding at most `limit` undelivered items. */
export function createBoundedQueue<T>(
  limit: number,
  options: { onClose?: () => void; onOverflow?: () => void; onPull?: () => void } = {},
): BoundedQueue<T> {
  let buffer: T[] = [];
  let waiting: ((result: IteratorResult<T>) => void) | null = null;
  let rejectWaiting: ((error: Error) => void) | null = null;
  let finished = false;
  let pendingError: Error | null = null;
  let closeNotified = false;

  const notifyClose = (): void => {
    if (closeNotified) return;
    closeNotified = true;
    options.onClose?.();
  };

  const settleWaiter = (): void => {
    if (waiting === null) return;
    if (buffer.length > 0) {
      const resolve = waiting;
      waiting = null;
      rejectWaiting = null;
      resolve({ value: buffer.shift() as T, done: false });
    } else if (finished) {
      const resolve = waiting;
      const reject = rejectWaiting;
      waiting = null;
      rejectWaiting = null;
      notifyClose();
      if (pendingError !== null && reject !== null) {
        const error = pendingError;
        pendingError = null;
        reject(error);
      } else resolve({ value: undefined, done: true });
    }
  };

  const queue: BoundedQueue<T> = {
    get closed() {
      return finished;
    },
    get size() {
      return buffer.length;
    },
    push(item) {
      if (finished) return false;
      if (buffer.length >= limit) {
        // Drop the backlog: memory stays bounded and the subscriber learns why it was cut off.
        buffer = [];
        finished = true;
        pendingError = new SlowSubscriberError(limit);
        options.onOverflow?.();
        settleWaiter();
        return false;
      }
      buffer.push(item);
      settleWaiter();
      return true;
    },
    fail(error) {
      if (finished) return;
      finished = true;
      pendingError = error;
      settleWaiter();
    },
    end() {
      if (finished) return;
      finished = true;
      settleWaiter();
    },
    next() {
      // Let a paced producer (a catch-up replay) refill after this pull.
      if (!finished) queueMicrotask(() => options.onPull?.());
      if (buffer.length > 0) return Promise.resolve({ value: buffer.shift() as T, done: false });
      if (finished) {
        notifyClose();
        if (pendingError !== null) {
          const error = pendingError;
          pendingError = null;
          return Promise.reject(error);
        }
        return Promise.resolve({ value: undefined, done: true });
      }
      return new Promise<IteratorResult<T>>((resolve, reject) => {
        waiting = resolve;
        rejectWaiting = reject;
      });
    },
    return() {
      finished = true;
      buffer = [];
      pendingError = null;
      if (waiting !== null) {
        const resolve = waiting;
        waiting = null;
        rejectWaiting = null;
        resolve({ value: undefined, done: true });
      }
      notifyClose();
      return Promise.resolve({ value: undefined, done: true });
    },
    [Symbol.asyncIterator]() {
      return queue;
    },
  };
  return queue;
}
