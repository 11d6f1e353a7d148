/**
 * Merkle views over the SQLite store: subtree hashes from stored nodes (for proofs) and the compact range
 * of the whole log (to resume appending after a restart).
 */
import type { AuditStore } from './audit-store.ts';
import { createCompactRange } from './compact-range.ts';
import type { CompactRange, CompletedNode } from './compact-range.ts';
import { AuditError } from './errors.ts';
import { hashChildren, largestPowerOfTwoBelow } from './merkle-hash.ts';
import type { SubtreeHash } from './merkle-proofs.ts';

function perfectLevel(start: number, end: number): number | undefined {
  const width = end - start;
  let level = 0;
  while (2 ** level < width) level += 1;
  return 2 ** level === width && start % width === 0 ? level : undefined;
}

/** MTH(D[start:end]) from stored leaf hashes and perfect subtree nodes: O(log n) reads. */
export function storeSubtreeHash(store: AuditStore): SubtreeHash {
  const subtreeHash: SubtreeHash = (start, end) => {
    const level = perfectLevel(start, end);
    if (level === 0) {
      const leaf = store.leafHash(start);
      if (leaf === undefined) {
        throw new AuditError('STORAGE', `the leaf hash of entry ${start} is missing`, {
          context: { sequence: start },
        });
      }
      return leaf;
    }
    if (level !== undefined) {
      const node = store.node(level, start / 2 ** level);
      if (node === undefined) {
        throw new AuditError('STORAGE', `the Merkle node over [${start}, ${end}) is missing`, {
          context: { sequence: start },
        });
      }
      return node;
    }
    const k = largestPowerOfTwoBelow(end - start);
    return hashChildren(subtreeHash(start, start + k), subtreeHash(start + k, end));
  };
  return subtreeHash;
}

/** The compact range of the first `size` entries, read from the stored perfect subtree nodes. */
export function loadCompactRange(store: AuditStore, size: number): CompactRange {
  const subtreeHash = storeSubtreeHash(store);
  const nodes: CompletedNode[] = [];
  let end = size;
  for (let level = 0; 2 ** level <= size; level += 1) {
    if (Math.floor(size / 2 ** level) % 2 === 1) {
      const start = end - 2 ** level;
      nodes.push({ level, index: start / 2 ** level, hash: subtreeHash(start, end) });
      end = start;
    }
  }
  return createCompactRange(size, nodes);
}
