/** The one map key of a topic's partition (a NUL byte cannot appear in a topic name). */

/** `topic\u0000partition`: the key under which per-partition positions, offsets and buffers are kept. */
export function partitionKey({ topic, partition }: { topic: string; partition: number }): string {
  return `${topic}\u0000${partition}`;
}

/** The topic and partition of a {@link partitionKey}. */
export function parsePartitionKey(key: string): { topic: string; partition: number } {
  const separator = key.lastIndexOf('\u0000');
  return { topic: key.slice(0, separator), partition: Number(key.slice(separator + 1)) };
}
