/**
 * Consumer-group membership of the embedded log, kept in SQLite so members in one process or in several
 * processes sharing the file split partitions.
 *
 * No coordinator: every member reads the live member list, computes the same range assignment, claims the
 * partitions it should own that nobody holds, and releases (after its revoke callback) those it should no
 * longer own. A partition is consumed only by the member whose claim row holds it, so two members never
 * consume one partition at once. Members that stop heart-beating, or whose process is gone, are evicted.
 */
import type { EmbeddedStore, MemberRow } from './embedded-store.ts';
import type { TopicPartition } from './log.ts';
import { parsePartitionKey, partitionKey } from './partition-key.ts';

/** Members alive in this process, to evict rows left behind by a log closed without leaving. */
const localMembers = new Set<string>();

/** The outcome of one membership round. */
export interface GroupSyncResult {
  /** Partitions this member should own now. */
  desired: TopicPartition[];
  /** Partitions this member holds a claim on (after claiming what it could). */
  owned: TopicPartition[];
}

/** One member of an embedded consumer group. */
export interface EmbeddedGroupMember {
  readonly memberId: string;
  join(): void;
  /** Marks this member alive (a timer calls it, so a slow handler does not look like a dead member). */
  heartbeat(): void;
  /** Heartbeat, evict dead members, claim free partitions this member should own. */
  sync(partitionCounts: ReadonlyMap<string, number>): GroupSyncResult;
  release(partitions: TopicPartition[]): void;
  leave(): void;
}

function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The range assignor (as Kafka's): per topic, contiguous partition ranges over the sorted subscribers. */
export function rangeAssignment(
  memberId: string,
  members: readonly MemberRow[],
  partitionCounts: ReadonlyMap<string, number>,
): TopicPartition[] {
  const assigned: TopicPartition[] = [];
  for (const [topic, count] of partitionCounts) {
    const subscribers = members
      .filter((member) => (JSON.parse(member.topics) as string[]).includes(topic))
      .map((member) => member.member_id)
      .sort();
    const index = subscribers.indexOf(memberId);
    if (index < 0 || subscribers.length === 0) continue;
    const share = Math.floor(count / subscribers.length);
    const extra = count % subscribers.length;
    const start = index * share + Math.min(index, extra);
    const size = share + (index < extra ? 1 : 0);
    for (let partition = start; partition < start + size; partition += 1) assigned.push({ topic, partition });
  }
  return assigned;
}

/** Creates the membership handle of one consumer. */
export function createEmbeddedGroupMember(
  store: EmbeddedStore,
  groupId: string,
  memberId: string,
  topics: readonly string[],
  sessionTimeoutMs: number,
): EmbeddedGroupMember {
  const topicsJson = JSON.stringify([...topics].sort());

  const syncTransaction = store.db.transaction((partitionCounts: ReadonlyMap<string, number>) => {
    const now = Date.now();
    store.upsertMember.run(groupId, memberId, topicsJson, process.pid, now);
    const live: MemberRow[] = [];
    for (const member of store.members.all(groupId)) {
      // A member of this process is alive exactly while its consumer runs; others while they heartbeat.
      const dead =
        member.pid === process.pid
          ? !localMembers.has(member.member_id)
          : now - member.heartbeat_at > sessionTimeoutMs || !processAlive(member.pid);
      if (member.member_id !== memberId && dead) {
        store.deleteMember.run(groupId, member.member_id);
        store.deleteOwnersOf.run(groupId, member.member_id);
      } else {
        live.push(member);
      }
    }
    const desired = rangeAssignment(memberId, live, partitionCounts);
    const owners = new Map<string, string>();
    for (const owner of store.owners.all(groupId)) owners.set(partitionKey(owner), owner.member_id);
    for (const { topic, partition } of desired) {
      const key = partitionKey({ topic, partition });
      if (!owners.has(key)) {
        store.insertOwner.run(groupId, topic, partition, memberId);
        owners.set(key, memberId);
      }
    }
    const owned: TopicPartition[] = [];
    for (const [key, owner] of owners) {
      if (owner !== memberId) continue;
      owned.push(parsePartitionKey(key));
    }
    return { desired, owned };
  });

  return {
    memberId,
    join() {
      localMembers.add(memberId);
      store.upsertMember.run(groupId, memberId, topicsJson, process.pid, Date.now());
    },
    heartbeat() {
      store.upsertMember.run(groupId, memberId, topicsJson, process.pid, Date.now());
    },
    sync: (partitionCounts) => syncTransaction.immediate(partitionCounts),
    release(partitions) {
      store.db.transaction(() => {
        for (const { topic, partition } of partitions)
          store.deleteOwner.run(groupId, topic, partition, memberId);
      })();
    },
    leave() {
      localMembers.delete(memberId);
      store.db.transaction(() => {
        store.deleteOwnersOf.run(groupId, memberId);
        store.deleteMember.run(groupId, memberId);
      })();
    },
  };
}
