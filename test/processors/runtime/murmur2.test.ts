import fc from 'fast-check';
import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import {
  createPartitionChooser,
  murmur2,
  partitionForKey,
  toPositive,
} from '../../../processors/runtime/index.ts';

/** Known answers of the Java client's `Utils.murmur2` (generated with Java; kept in KafkaJS's sources). */
const JAVA_MURMUR2_VECTORS: Record<string, number> = {
  '0': 971027396,
  '1': -1993445489,
  '128': -326012175,
  '2187': -1508407203,
  '16384': -325739742,
  '78125': -1654490814,
  '279936': 1462227128,
  '823543': -2014198330,
  '2097152': 607668903,
  '4782969': -1182699775,
  '10000000': -1830336757,
  '19487171': -1603849305,
  '35831808': -857013643,
  '62748517': -1167431028,
  '105413504': -381294639,
  '170859375': -1658323481,
  '100:48069': 1009543857,
};

function kafkajsPartition(key: string, partitions: number): number {
  const partitioner = kafkajs.Partitioners.DefaultPartitioner();
  const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({
    partitionId,
    leader: 1,
    partitionErrorCode: 0,
    replicas: [1],
    isr: [1],
  }));
  return partitioner({ topic: 't', partitionMetadata, message: { key, value: null } });
}

describe('murmur2', () => {
  it.each(Object.entries(JAVA_MURMUR2_VECTORS))('hashes %j as the Java client does', (key, expected) => {
    expect(murmur2(key)).toBe(expected);
    expect(murmur2(Buffer.from(key, 'utf8'))).toBe(expected);
  });

  it('clears the sign bit rather than taking the absolute value', () => {
    expect(toPositive(-1)).toBe(0x7fffffff);
    expect(toPositive(-2147483648)).toBe(0);
    expect(toPositive(42)).toBe(42);
  });

  it("picks the same partition as KafkaJS's DefaultPartitioner for any key", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 64 }),
        fc.integer({ min: 1, max: 64 }),
        (key, partitions) => {
          expect(partitionForKey(key, partitions)).toBe(kafkajsPartition(key, partitions));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('chooses pinned, then keyed, then round-robin partitions', () => {
    const choose = createPartitionChooser();
    expect(choose('t', 'key', 8, 5)).toBe(5);
    expect(choose('t', '0', 8)).toBe(partitionForKey('0', 8));
    expect([0, 1, 2, 3, 4].map(() => choose('t', null, 4))).toEqual([0, 1, 2, 3, 0]);
    expect(choose('other', null, 4)).toBe(0);
  });
});
