/**
 * RFC 6962 section 2.1: the Merkle Tree Hash of any number of leaves, audit paths (2.1.1) and
 * consistency proofs (2.1.2), written exactly as the RFC's recursive definitions.
 *
 * The proofs are computed against a `SubtreeHash` source so the same code serves an in-memory list of
 * leaf hashes (tests, known-answer vectors) and the SQLite store (which keeps every complete subtree).
 */
import { AuditError } from './errors.ts';
import { EMPTY_ROOT_HASH, hashChildren, largestPowerOfTwoBelow } from './merkle-hash.ts';

/** Returns MTH(D[start:end]) for 0 <= start < end. */
export type SubtreeHash = (start: number, end: number) => Uint8Array;

function checkSize(size: number, name: string): void {
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new AuditError('INVALID_RANGE', `${name} must be a non-negative integer, got ${size}`);
  }
}

/** MTH(D[start:end]) computed from leaf hashes alone (the reference definition). */
export function merkleTreeHash(
  leafHashes: readonly Uint8Array[],
  start = 0,
  end = leafHashes.length,
): Uint8Array {
  if (end === start) return EMPTY_ROOT_HASH;
  if (end - start === 1) {
    const leaf = leafHashes[start];
    if (leaf === undefined)
      throw new AuditError('INVALID_RANGE', `no leaf ${start}`, { context: { sequence: start } });
    return leaf;
  }
  const k = largestPowerOfTwoBelow(end - start);
  return hashChildren(
    merkleTreeHash(leafHashes, start, start + k),
    merkleTreeHash(leafHashes, start + k, end),
  );
}

/**
 * The audit path PATH(index, D[size]) of RFC 6962 section 2.1.1, leaf-most sibling first.
 *
 * @throws AuditError `INVALID_RANGE` unless 0 <= index < size.
 */
export function inclusionPath(index: number, size: number, subtreeHash: SubtreeHash): Uint8Array[] {
  checkSize(size, 'tree size');
  if (!Number.isSafeInteger(index) || index < 0 || index >= size) {
    throw new AuditError('INVALID_RANGE', `leaf index ${index} is not inside a tree of size ${size}`, {
      context: { sequence: index },
    });
  }
  const path: Uint8Array[] = [];
  // Walk down from the root; the siblings come out root-most first, so collect and reverse.
  let start = 0;
  let end = size;
  let m = index;
  while (end - start > 1) {
    const k = largestPowerOfTwoBelow(end - start);
    if (m < k) {
      path.push(subtreeHash(start + k, end));
      end = start + k;
    } else {
      path.push(subtreeHash(start, start + k));
      start += k;
      m -= k;
    }
  }
  return path.reverse();
}

/**
 * The consistency proof PROOF(size1, D[size2]) of RFC 6962 section 2.1.2, leaf-most node first.
 * Empty when size1 is 0 or size1 equals size2.
 *
 * @throws AuditError `INVALID_RANGE` unless 0 <= size1 <= size2.
 */
export function consistencyPath(size1: number, size2: number, subtreeHash: SubtreeHash): Uint8Array[] {
  checkSize(size1, 'first tree size');
  checkSize(size2, 'second tree size');
  if (size1 > size2) {
    throw new AuditError('INVALID_RANGE', `first tree size ${size1} is larger than second ${size2}`);
  }
  if (size1 === 0 || size1 === size2) return [];
  const proof: Uint8Array[] = [];
  // SUBPROOF(m, D[start:end], b), unrolled; nodes come out root-most first.
  let start = 0;
  let end = size2;
  let m = size1;
  let completeSubtree = true;
  while (m !== end - start) {
    const k = largestPowerOfTwoBelow(end - start);
    if (m <= k) {
      proof.push(subtreeHash(start + k, end));
      end = start + k;
    } else {
      proof.push(subtreeHash(start, start + k));
      start += k;
      m -= k;
      completeSubtree = false;
    }
  }
  if (!completeSubtree) proof.push(subtreeHash(start, end));
  return proof.reverse();
}

/** A `SubtreeHash` over an in-memory list of leaf hashes. */
export function subtreeHashFromLeaves(leafHashes: readonly Uint8Array[]): SubtreeHash {
  return (start, end) => merkleTreeHash(leafHashes, start, end);
}
