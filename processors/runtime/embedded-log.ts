/**
 * The embedded log: the default on one machine. A SQLite file in WAL mode holds topics, messages and group
 * offsets, so it survives restarts; a commit wakes this process's consumers at once, and a short poll lets
 * consumers in other processes that share the file progress too.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { createEmbeddedCleaner } from './embedded-cleaner.ts';
import { createEmbeddedConsumer } from './embedded-consumer.ts';
import { OFFSET_SPACE, openEmbeddedStore } from './embedded-store.ts';
import { openEmbeddedWakeups } from './embedded-wakeups.ts';
import { LogError } from './errors.ts';
import type { Log, ProduceResult, TopicCleanupReport, TopicOptions, TopicPartitionOffset } from './log.ts';
import { createLogLifecycle } from './log-lifecycle.ts';
import { createPartitionChooser } from './murmur2.ts';

/** Options of {@link createEmbeddedLog}. */
export interface EmbeddedLogOptions {
  /** The SQLite file (created with its folder if missing), e.g. `./data/log.sqlite`. */
  path: string;
  /** Partitions of a topic created on demand without a count (default 4). */
  defaultPartitions?: number;
  /** How often an idle consumer looks for records written by another process (default 100 ms). */
  pollIntervalMs?: number;
  /** How often a consumer refreshes its group membership (default 500 ms). */
  heartbeatIntervalMs?: number;
  /** A member silent this long is evicted and its partitions reassigned (default 10 s). */
  sessionTimeoutMs?: number;
}

/**
 * Opens the embedded log at `options.path`.
 *
 * @example
 * const log = createEmbeddedLog({ path: './data/log.sqlite' });
 * await log.produce('cleanroom.events', [{ key: subjectId, value: JSON.stringify(event) }]);
 */
export function createEmbeddedLog(options: EmbeddedLogOptions): Log {
  const defaultPartitions = options.defaultPartitions ?? 4;
  if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
  const store = openEmbeddedStore(options.path);
  const wakeups = openEmbeddedWakeups(options.path);
  const choosePartition = createPartitionChooser();
  const partitionIdCache = new Map<string, number[]>();
  const lifecycle = createLogLifecycle('the embedded log');
  const { assertOpen } = lifecycle;
  const cleaner = createEmbeddedCleaner(store);

  const createTopicNow = store.db.transaction((topic: string, partitions: number, compacted: boolean) => {
    store.insertTopic.run(topic, partitions, compacted ? 1 : 0, Date.now());
    const actual = store.topic.get(topic)!.partitions;
    for (let partition = 0; partition < actual; partition += 1) store.insertPartition.run(topic, partition);
  });

  function partitionIds(topic: string, topicOptions: TopicOptions = {}): number[] {
    const cached = partitionIdCache.get(topic);
    if (cached) return cached;
    assertOpen();
    if (topic.length === 0) throw new LogError('INVALID_ARGUMENT', 'a topic name must not be empty');
    const partitions = topicOptions.partitions ?? defaultPartitions;
    if (!Number.isInteger(partitions) || partitions < 1) {
      throw new LogError('INVALID_ARGUMENT', `partitions must be a positive integer, got ${partitions}`, {
        topic,
      });
    }
    if (!store.topic.get(topic)) createTopicNow.immediate(topic, partitions, topicOptions.compacted ?? false);
    const ids = store.partitions.all(topic).map((row) => row.id);
    partitionIdCache.set(topic, ids);
    return ids;
  }

  const appendBatch = store.db.transaction(
    (topic: string, ids: number[], messages: Parameters<Log['produce']>[1]): ProduceResult[] => {
      const next = new Map<number, number>();
      const results: ProduceResult[] = new Array<ProduceResult>(messages.length);
      const now = Date.now();
      for (let index = 0; index < messages.length; index += 1) {
        const message = messages[index]!;
        const partition = choosePartition(topic, message.key, ids.length, message.partition);
        const id = ids[partition];
        if (id === undefined) {
          throw new LogError('INVALID_ARGUMENT', `${topic} has no partition ${partition}`, {
            topic,
            partition,
          });
        }
        let offset = next.get(id);
        if (offset === undefined) offset = store.nextOffset.get(id)!.next_offset;
        const headers =
          message.headers && Object.keys(message.headers).length > 0 ? JSON.stringify(message.headers) : null;
        store.insertMessage.run(
          id * OFFSET_SPACE + offset,
          message.key,
          message.value,
          headers,
          message.timestamp ?? now,
        );
        next.set(id, offset + 1);
        results[index] = { topic, partition, offset };
      }
      for (const [id, offset] of next) store.setNextOffset.run(offset, id);
      return results;
    },
  );

  const commitNow = store.db.transaction((groupId: string, offsets: TopicPartitionOffset[]) => {
    const now = Date.now();
    for (const { topic, partition, offset } of offsets)
      store.upsertOffset.run(groupId, topic, partition, offset, now);
  });

  /** Whether a deletion's frames may still be in the write-ahead log (its truncation was held off). */
  let walHoldsDeleted = false;
  /**
   * The deleted rows were overwritten in their pages (secure_delete), but the write-ahead log still holds the
   * frames that wrote them: checkpoint and truncate it. A reader in another process can hold that off; the next
   * deletion tries again.
   */
  const truncateWal = (deleted: number): void => {
    if (deleted === 0 && !walHoldsDeleted) return;
    const [result] = store.db.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number }>;
    walHoldsDeleted = result?.busy !== 0;
  };
  const deleteNow = store.db.transaction((ids: number[], before: number[]): number => {
    let deleted = 0;
    ids.forEach((id, partition) => {
      const offset = before[partition] ?? -1;
      if (offset > 0)
        deleted += store.deleteMessages.run(id * OFFSET_SPACE, id * OFFSET_SPACE + offset).changes;
    });
    return deleted;
  });

  function commit(groupId: string, offsets: TopicPartitionOffset[]): void {
    try {
      commitNow(groupId, offsets);
    } catch (cause) {
      throw new LogError('COMMIT_FAILED', `commit of group ${groupId} failed`, {
        groupId,
        retriable: true,
        cause,
      });
    }
  }

  return {
    kind: 'embedded',
    async createTopic(topic, topicOptions) {
      partitionIds(topic, topicOptions);
    },
    async partitionsFor(topic) {
      return partitionIds(topic).length;
    },
    async produce(topic, messages) {
      const ids = partitionIds(topic);
      if (messages.length === 0) return [];
      let results: ProduceResult[];
      try {
        results = appendBatch.immediate(topic, ids, messages);
      } catch (cause) {
        if (cause instanceof LogError) throw cause;
        throw new LogError('PRODUCE_FAILED', `produce to ${topic} failed`, { topic, retriable: true, cause });
      }
      wakeups.appended(topic);
      return results;
    },
    consumer(consumerOptions) {
      return lifecycle.openConsumer(consumerOptions, (onClosed) =>
        createEmbeddedConsumer(
          {
            store,
            wakeups,
            partitionIds: (topic) => partitionIds(topic),
            commit,
            pollIntervalMs: options.pollIntervalMs ?? 100,
            heartbeatIntervalMs: options.heartbeatIntervalMs ?? 500,
            sessionTimeoutMs: options.sessionTimeoutMs ?? 10_000,
            onClosed,
          },
          consumerOptions,
        ),
      );
    },
    async endOffsets(topic) {
      partitionIds(topic);
      return store.partitions.all(topic).map((row) => row.next_offset);
    },
    async committedOffsets(groupId, topic) {
      const offsets = new Array<number>(partitionIds(topic).length).fill(-1);
      for (const row of store.committed.all(groupId, topic)) offsets[row.partition] = row.next_offset;
      return offsets;
    },
    async deleteRecordsBefore(topic, before) {
      const ids = partitionIds(topic);
      let deleted: number;
      try {
        deleted = deleteNow.immediate(ids, before);
      } catch (cause) {
        throw new LogError('DELETE_FAILED', `deleting records of ${topic} failed`, {
          topic,
          retriable: true,
          cause,
        });
      }
      if (deleted > 0) for (const id of ids) cleaner.forget(id);
      truncateWal(deleted);
      return deleted;
    },
    async clean(topic, cleanup) {
      partitionIds(topic);
      let report: TopicCleanupReport;
      try {
        report = cleaner.clean(topic, store.partitions.all(topic), cleanup);
      } catch (cause) {
        throw new LogError('DELETE_FAILED', `cleaning ${topic} failed`, { topic, retriable: true, cause });
      }
      truncateWal(report.deleted + report.compacted);
      return report;
    },
    ping() {
      return lifecycle.ping(() => {
        store.db.prepare('SELECT 1').get();
        return true;
      });
    },
    close() {
      return lifecycle.close(() => {
        wakeups.release();
        store.db.close();
      });
    },
  };
}
