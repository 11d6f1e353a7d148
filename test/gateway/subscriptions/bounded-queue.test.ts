import { describe, expect, it } from 'vitest';
import { createBoundedQueue, SlowSubscriberError } from '../../../gateway/subscriptions/bounded-queue.ts';

describe('bounded queue', () => {
  it('delivers in order and ends', async () => {
    const queue = createBoundedQueue<number>(10);
    queue.push(1);
    queue.push(2);
    queue.end();
    const seen: number[] = [];
    for await (const item of queue) seen.push(item);
    expect(seen).toEqual([1, 2]);
  });

  it('cuts off a subscriber that falls behind, dropping its backlog', async () => {
    let overflowed = 0;
    let closed = 0;
    const queue = createBoundedQueue<number>(3, {
      onOverflow: () => (overflowed += 1),
      onClose: () => (closed += 1),
    });
    for (let item = 0; item < 3; item += 1) expect(queue.push(item)).toBe(true);
    expect(queue.push(3)).toBe(false);
    expect(queue.push(4)).toBe(false);
    await expect(queue.next()).rejects.toBeInstanceOf(SlowSubscriberError);
    expect(overflowed).toBe(1);
    expect(closed).toBe(1);
  });

  it('releases a waiting subscriber on return', async () => {
    let closed = 0;
    const queue = createBoundedQueue<number>(3, { onClose: () => (closed += 1) });
    const pending = queue.next();
    await queue.return?.();
    expect(await pending).toEqual({ value: undefined, done: true });
    expect(closed).toBe(1);
    expect(queue.push(1)).toBe(false);
  });
});
