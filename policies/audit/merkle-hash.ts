/**
 * RFC 6962 section 2.1 hashing: leaf = SHA-256(0x00 || input), node = SHA-256(0x01 || left || right).
 * Uses node:crypto's native SHA-256 because appends/s and verification entries/s are both bounded by it.
 */
import { createHash } from 'node:crypto';

/** Size in bytes of every hash in the tree. */
export const HASH_SIZE = 32;

const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);

/** MTH({}) = SHA-256 of the empty string: the root hash of an empty log. */
export const EMPTY_ROOT_HASH: Uint8Array = createHash('sha256').digest();

/** The leaf hash of one entry: SHA-256(0x00 || entry bytes). */
export function hashLeaf(input: Uint8Array): Buffer {
  return createHash('sha256').update(LEAF_PREFIX).update(input).digest();
}

/** The hash of an interior node: SHA-256(0x01 || left || right). */
export function hashChildren(left: Uint8Array, right: Uint8Array): Buffer {
  return createHash('sha256').update(NODE_PREFIX).update(left).update(right).digest();
}

/** Constant-shape byte comparison (hashes are public, so timing is not a concern; clarity is). */
export function hashesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

/** The largest power of two strictly smaller than `n` (n >= 2): where RFC 6962 splits a tree of size n. */
export function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}
