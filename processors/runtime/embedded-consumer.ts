/**
 * A consumer-group member of the embedded log: one loop that keeps its group membership fresh, reads batches
 * of its partitions in offset order, hands them to the handler and commits after it resolves.
 */
import { randomUUID } from 'node:crypto';
import { OFFSET_SPACE } from './embedded-store.ts';
import type { EmbeddedStore } from './embedded-store.ts';
import { createEmbeddedGroupMember } from './embedded-group.ts';
import { createErrorReporter, groupFailed, handlerFailed, handlerRetryPauseMs } from './consumer-errors.ts';
import type { EmbeddedWakeups } from './embedded-wakeups.ts';
import { LogError } from './errors.ts';
import type {
  ConsumerOptions,
  LogConsumer,
  LogRecord,
  RecordBatch,
  TopicPartition,
  TopicPartitionOffset,
} from './log.ts';
import { partitionKey } from './partition-key.ts';

/** What a consumer needs from its log. */
export interface EmbeddedConsumerContext {
  store: EmbeddedStore;
  wakeups: EmbeddedWakeups;
  /** Partition row ids of a topic, creating the topic if needed (index = partition). */
  partitionIds(topic: string): number[];
  commit(groupId: string, offsets: TopicPartitionOffset[]): void;
  pollIntervalMs: number;
  heartbeatIntervalMs: number;
  sessionTimeoutMs: number;
  onClosed(consumer: LogConsumer): void;
}

interface Position {
  base: number;
  next: number;
  /** A seek came in since the current delivery began (even one to the offset it began at). */
  sought?: boolean;
}

const tpKey = (topic: string, partition: number): string => partitionKey({ topic, partition });

/** Creates a consumer of the embedded log (used by `createEmbeddedLog`). */
export function createEmbeddedConsumer(
  context: EmbeddedConsumerContext,
  options: ConsumerOptions,
): LogConsumer {
  const { store, wakeups } = context;
  const { groupId, topics } = options;
  const maxBatchSize = options.maxBatchSize ?? 500;
  const autoCommit = options.autoCommit ?? true;
  const fromBeginning = options.fromBeginning ?? true;
  const member = createEmbeddedGroupMember(store, groupId, randomUUID(), topics, context.sessionTimeoutMs);
  const positions = new Map<string, Position>();
  const pendingSeeks = new Map<string, number>();
  let owned: TopicPartition[] = [];
  let running = false;
  let stopping: Promise<void> | undefined;
  let loop: Promise<void> | undefined;
  let signalled = false;
  let groupDirty = true;
  let nextSyncAt = 0;
  let wakeWaiter: (() => void) | undefined;
  let rotation = 0;
  let unsubscribe: () => void = () => {};
  let heartbeat: NodeJS.Timeout | undefined;

  const wake = (): void => {
    signalled = true;
    wakeWaiter?.();
  };
  const onGroupChange = (): void => {
    groupDirty = true;
    wake();
  };
  const waitForWake = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      if (signalled || !running) return resolve();
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        wakeWaiter = undefined;
        resolve();
      }
      wakeWaiter = done;
    });

  const reportError = createErrorReporter(options.onError);

  function partitionCounts(): Map<string, number> {
    return new Map(topics.map((topic) => [topic, context.partitionIds(topic).length]));
  }

  function startPosition(topic: string, partition: number, committed: Map<string, number>): number {
    const stored = committed.get(tpKey(topic, partition));
    if (stored !== undefined) return stored;
    if (fromBeginning) return 0;
    const id = context.partitionIds(topic)[partition]!;
    return store.nextOffset.get(id)?.next_offset ?? 0;
  }

  async function syncGroup(): Promise<void> {
    groupDirty = false;
    nextSyncAt = Date.now() + context.heartbeatIntervalMs;
    const { desired, owned: claimed } = member.sync(partitionCounts());
    const desiredKeys = new Set(desired.map((tp) => tpKey(tp.topic, tp.partition)));
    const toRelease = claimed.filter((tp) => !desiredKeys.has(tpKey(tp.topic, tp.partition)));
    const previous = new Set(owned.map((tp) => tpKey(tp.topic, tp.partition)));
    const claimedKeys = new Set(claimed.map((tp) => tpKey(tp.topic, tp.partition)));
    const kept = claimed.filter((tp) => desiredKeys.has(tpKey(tp.topic, tp.partition)));
    const added = kept.filter((tp) => !previous.has(tpKey(tp.topic, tp.partition)));
    // Claims taken away while this member looked dead (evicted) count as revoked too.
    const lost = owned.filter((tp) => !claimedKeys.has(tpKey(tp.topic, tp.partition)));
    const revoked = [...toRelease.filter((tp) => previous.has(tpKey(tp.topic, tp.partition))), ...lost];
    owned = owned.filter(
      (tp) =>
        claimedKeys.has(tpKey(tp.topic, tp.partition)) && desiredKeys.has(tpKey(tp.topic, tp.partition)),
    );
    for (const tp of [...toRelease, ...lost]) positions.delete(tpKey(tp.topic, tp.partition));
    if (revoked.length > 0) await options.onRevoke?.(revoked);
    if (toRelease.length > 0) {
      member.release(toRelease);
      wakeups.groupChanged(groupId);
    }
    if (added.length > 0) {
      const committed = new Map<string, number>();
      for (const topic of new Set(added.map((tp) => tp.topic))) {
        for (const row of store.committed.all(groupId, topic))
          committed.set(tpKey(topic, row.partition), row.next_offset);
      }
      for (const { topic, partition } of added) {
        const base = context.partitionIds(topic)[partition]! * OFFSET_SPACE;
        positions.set(tpKey(topic, partition), { base, next: startPosition(topic, partition, committed) });
      }
      const seeks = (await options.onAssign?.(added)) ?? [];
      for (const seek of seeks) applySeek(seek);
    }
    for (const [key, offset] of pendingSeeks) {
      const position = positions.get(key);
      if (position) {
        position.next = offset;
        pendingSeeks.delete(key);
      }
    }
    owned = kept;
    // A partition we want but another member still holds: look again soon.
    if (desired.length > kept.length) nextSyncAt = Math.min(nextSyncAt, Date.now() + context.pollIntervalMs);
  }

  function applySeek({ topic, partition, offset }: TopicPartitionOffset): void {
    const position = positions.get(tpKey(topic, partition));
    if (position) {
      position.next = offset;
      position.sought = true;
    } else pendingSeeks.set(tpKey(topic, partition), offset);
  }

  function readBatch(topic: string, partition: number, position: Position): RecordBatch | undefined {
    const start = position.base + position.next;
    const rows = store.readMessages.all(start, position.base + OFFSET_SPACE, maxBatchSize);
    if (rows.length === 0) return undefined;
    const records: LogRecord[] = new Array<LogRecord>(rows.length);
    for (let index = 0; index < rows.length; index += 1) {
      const row = rows[index] as [number, string | null, string, string | null, number];
      records[index] = {
        topic,
        partition,
        offset: row[0] - position.base,
        key: row[1],
        value: row[2],
        headers: row[3] === null ? {} : (JSON.parse(row[3]) as Record<string, string>),
        timestamp: row[4],
      };
    }
    return { topic, partition, records };
  }

  async function deliver(handler: (batch: RecordBatch) => Promise<void>, batch: RecordBatch): Promise<void> {
    const key = tpKey(batch.topic, batch.partition);
    const position = positions.get(key)!;
    const next = batch.records[batch.records.length - 1]!.offset + 1;
    position.sought = false;
    for (let attempt = 0; running; attempt += 1) {
      try {
        await handler(batch);
      } catch (cause) {
        reportError(handlerFailed(batch, groupId, cause));
        signalled = false;
        await waitForWake(handlerRetryPauseMs(attempt));
        continue;
      }
      // A seek made by the handler wins over the natural next position (also a seek back to where it began:
      // "deliver this batch again later").
      if (!position.sought) position.next = next;
      position.sought = false;
      if (autoCommit)
        context.commit(groupId, [{ topic: batch.topic, partition: batch.partition, offset: next }]);
      return;
    }
  }

  async function runLoop(handler: (batch: RecordBatch) => Promise<void>): Promise<void> {
    while (running) {
      try {
        if (groupDirty || Date.now() >= nextSyncAt) await syncGroup();
      } catch (cause) {
        reportError(groupFailed(groupId, `group ${groupId} sync failed`, cause));
        await waitForWake(context.pollIntervalMs);
        continue;
      }
      signalled = false;
      let delivered = false;
      const count = owned.length;
      rotation = (rotation + 1) % Math.max(count, 1);
      for (let step = 0; step < count && running && !groupDirty; step += 1) {
        const tp = owned[(rotation + step) % count]!;
        const position = positions.get(tpKey(tp.topic, tp.partition));
        if (!position) continue;
        const batch = readBatch(tp.topic, tp.partition, position);
        if (!batch) continue;
        await deliver(handler, batch);
        delivered = true;
      }
      if (!delivered)
        await waitForWake(Math.min(context.pollIntervalMs, Math.max(nextSyncAt - Date.now(), 1)));
      // Deliveries chain through promises that settle at once, so a backlog would otherwise keep the event
      // loop from timers and I/O (heartbeats, HTTP, other work of the process) until it is drained.
      else await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  const consumer: LogConsumer = {
    async run(handler) {
      if (running || loop) throw new LogError('INVALID_ARGUMENT', 'consumer is already running', { groupId });
      for (const topic of topics) context.partitionIds(topic);
      running = true;
      unsubscribe = wakeups.subscribe(topics, groupId, wake, onGroupChange);
      member.join();
      heartbeat = setInterval(() => {
        try {
          member.heartbeat();
        } catch (cause) {
          reportError(groupFailed(groupId, `heartbeat of group ${groupId} failed`, cause));
        }
      }, context.heartbeatIntervalMs);
      heartbeat.unref();
      wakeups.groupChanged(groupId);
      try {
        await syncGroup();
      } catch (cause) {
        // The loop tries again; onAssign is called again for partitions it did not accept.
        groupDirty = true;
        reportError(groupFailed(groupId, `group ${groupId} sync failed`, cause));
      }
      loop = runLoop(handler);
    },
    async commit(offsets) {
      context.commit(groupId, offsets);
    },
    seek(position) {
      applySeek(position);
      wake();
    },
    assignments: () => owned.map((tp) => ({ ...tp })),
    stop() {
      stopping ??= (async () => {
        running = false;
        wake();
        await loop;
        clearInterval(heartbeat);
        unsubscribe();
        if (loop && owned.length > 0) await options.onRevoke?.(owned);
        owned = [];
        member.leave();
        wakeups.groupChanged(groupId);
        context.onClosed(consumer);
      })();
      return stopping;
    },
  };
  return consumer;
}
