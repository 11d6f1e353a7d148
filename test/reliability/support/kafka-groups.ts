/**
 * What the broker itself says about consumer groups: each group's state, members and, per partition of the
 * topics it reads, the committed offset beside the end offset. The broker-loss test judges recovery from this
 * (not from a process's own word) and prints it when a group does not catch up. A fresh admin client per call,
 * so nothing cached from before a broker restart is reused.
 */
import kafkajs from 'kafkajs';

const { Kafka, logLevel, AssignerProtocol } = kafkajs;

/** One partition a group reads: its committed next offset (-1 where none) and the log end offset. */
export interface GroupPartition {
  topic: string;
  partition: number;
  committed: number;
  end: number;
}

/** A consumer group as the broker reports it. */
export interface GroupReport {
  groupId: string;
  state: string;
  members: number;
  partitions: GroupPartition[];
}

/** Whether every partition the group reads has been committed up to its end. */
export function groupCaughtUp(group: GroupReport): boolean {
  // A partition that never received a record has no commit (-1) and an end of 0: nothing is left to read.
  return group.partitions.every(({ committed, end }) => Math.max(0, committed) >= end);
}

/** One line per group for a failure message: `group (state, members) topic[p]=committed/end ...` behind. */
export function describeGroup(group: GroupReport): string {
  const behind = group.partitions
    .filter(({ committed, end }) => Math.max(0, committed) < end)
    .map(({ topic, partition, committed, end }) => `${topic}[${partition}]=${committed}/${end}`);
  return `${group.groupId} (${group.state}, ${group.members} members)${behind.length > 0 ? ` behind: ${behind.join(' ')}` : ''}`;
}

function assignedTopics(memberAssignment: Buffer): string[] {
  const decoded = AssignerProtocol.MemberAssignment.decode(memberAssignment);
  return Object.keys(decoded?.assignment ?? {});
}

/**
 * Reports every consumer group whose id passes `include`: the topics it reads are the ones its members are
 * assigned, plus those it committed offsets for.
 */
export async function inspectGroups(
  brokers: string,
  include: (groupId: string) => boolean,
): Promise<GroupReport[]> {
  const admin = new Kafka({
    clientId: 'reliability-group-inspector',
    brokers: [brokers],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 2_000,
    requestTimeout: 10_000,
    retry: { retries: 2, initialRetryTime: 200 },
  }).admin();
  await admin.connect();
  try {
    const groupIds = (await admin.listGroups()).groups.map(({ groupId }) => groupId).filter(include);
    const { groups } = await admin.describeGroups(groupIds);
    const ends = new Map<string, Map<number, number>>();
    const endOf = async (topic: string, partition: number): Promise<number> => {
      let byPartition = ends.get(topic);
      if (!byPartition) {
        byPartition = new Map(
          (await admin.fetchTopicOffsets(topic)).map((entry) => [entry.partition, Number(entry.high)]),
        );
        ends.set(topic, byPartition);
      }
      return byPartition.get(partition) ?? 0;
    };
    const reports: GroupReport[] = [];
    for (const group of groups.sort((a, b) => (a.groupId < b.groupId ? -1 : 1))) {
      const committed = await admin.fetchOffsets({ groupId: group.groupId });
      const topics = new Set([
        ...group.members.flatMap((member) => assignedTopics(member.memberAssignment)),
        ...committed.map(({ topic }) => topic),
      ]);
      const withPartitions = await admin.fetchOffsets({ groupId: group.groupId, topics: [...topics] });
      const partitions: GroupPartition[] = [];
      for (const { topic, partitions: entries } of withPartitions) {
        for (const entry of entries) {
          partitions.push({
            topic,
            partition: entry.partition,
            committed: Number(entry.offset),
            end: await endOf(topic, entry.partition),
          });
        }
      }
      reports.push({
        groupId: group.groupId,
        state: group.state,
        members: group.members.length,
        partitions,
      });
    }
    return reports;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
