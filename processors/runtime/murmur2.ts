/**
 * Kafka's murmur2 partitioner, bit for bit as the Java client's `Utils.murmur2` and KafkaJS's
 * `Partitioners.DefaultPartitioner`, so a key lands in the same partition on the embedded log and on Kafka.
 */

const SEED = 0x9747b28c;
const MIX = 0x5bd1e995;

/** The 32-bit signed murmur2 hash of a key's UTF-8 bytes (or of the bytes given). */
export function murmur2(key: string | Uint8Array): number {
  const data = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
  const length = data.length;
  let hash = (SEED ^ length) | 0;
  const whole = length & ~3;
  for (let index = 0; index < whole; index += 4) {
    let word =
      (data[index]! & 0xff) |
      ((data[index + 1]! & 0xff) << 8) |
      ((data[index + 2]! & 0xff) << 16) |
      ((data[index + 3]! & 0xff) << 24);
    word = Math.imul(word, MIX);
    word ^= word >>> 24;
    word = Math.imul(word, MIX);
    hash = Math.imul(hash, MIX) ^ word;
  }
  const tail = length & 3;
  if (tail === 3) hash ^= (data[whole + 2]! & 0xff) << 16;
  if (tail >= 2) hash ^= (data[whole + 1]! & 0xff) << 8;
  if (tail >= 1) {
    hash ^= data[whole]! & 0xff;
    hash = Math.imul(hash, MIX);
  }
  hash ^= hash >>> 13;
  hash = Math.imul(hash, MIX);
  hash ^= hash >>> 15;
  return hash | 0;
}

/** Kafka's `toPositive`: clears the sign bit (not `Math.abs`). */
export function toPositive(value: number): number {
  return value & 0x7fffffff;
}

/**
 * The partition Kafka's default partitioner picks for a non-null key.
 *
 * @example partitionForKey('subject-42', 12) // the same number kafkajs and the Java client pick
 */
export function partitionForKey(key: string | Uint8Array, partitions: number): number {
  return toPositive(murmur2(key)) % partitions;
}

/**
 * Chooses partitions as Kafka's default partitioner does: a pinned partition wins, a key goes to
 * murmur2(key), a null key round-robins per topic.
 */
export type PartitionChooser = (
  topic: string,
  key: string | null,
  partitions: number,
  pinned?: number,
) => number;

/** A {@link PartitionChooser} with its own round-robin counters. */
export function createPartitionChooser(): PartitionChooser {
  const counters = new Map<string, number>();
  return (topic, key, partitions, pinned) => {
    if (pinned !== undefined) return pinned;
    if (key !== null) return partitionForKey(key, partitions);
    const next = (counters.get(topic) ?? -1) + 1;
    counters.set(topic, next);
    return toPositive(next) % partitions;
  };
}
