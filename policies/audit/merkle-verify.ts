/**
 * Verifiers for RFC 6962 proofs, following the algorithms of RFC 9162 sections 2.1.3.2 (inclusion) and
 * 2.1.4.2 (consistency). They depend on nothing but SHA-256, so a privacy officer can run them against
 * the published tree heads without trusting this service.
 *
 * Sizes are JavaScript safe integers; the bit arithmetic is done with division so trees beyond 2^31
 * leaves are handled correctly.
 */
import { HASH_SIZE, hashChildren, hashesEqual } from './merkle-hash.ts';

const isOdd = (n: number): boolean => n % 2 === 1;
const half = (n: number): number => Math.floor(n / 2);

function isPowerOfTwo(n: number): boolean {
  let rest = n;
  while (rest > 1 && !isOdd(rest)) rest = half(rest);
  return rest === 1;
}

/** RFC 9162's inner step: right-shift `fn` and `sn` equally until `LSB(fn)` is set or `fn` is 0. */
function shiftUntilOdd(fn: number, sn: number): [number, number] {
  let [f, s] = [fn, sn];
  while (!isOdd(f) && f !== 0) {
    f = half(f);
    s = half(s);
  }
  return [f, s];
}

function wellFormed(hashes: readonly Uint8Array[]): boolean {
  return hashes.every((hash) => hash.length === HASH_SIZE);
}

/**
 * The root an inclusion proof leads to, or `null` when the proof cannot belong to a tree of that size
 * (wrong length, index out of range, malformed hash).
 */
export function rootFromInclusionProof(
  leafHash: Uint8Array,
  index: number,
  size: number,
  proof: readonly Uint8Array[],
): Uint8Array | null {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return null;
  if (leafHash.length !== HASH_SIZE || !wellFormed(proof)) return null;
  let fn = index;
  let sn = size - 1;
  let r: Uint8Array = leafHash;
  for (const p of proof) {
    if (sn === 0) return null;
    if (isOdd(fn) || fn === sn) {
      r = hashChildren(p, r);
      [fn, sn] = shiftUntilOdd(fn, sn);
    } else {
      r = hashChildren(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 ? r : null;
}

/**
 * Verify an audit path: is the leaf with `leafHash` at `index` in the tree of `size` leaves whose root is
 * `root`?
 *
 * @example verifyInclusion(hashLeaf(entryBytes), 5, sth.size, proof.auditPath.map(decodeHash), decodeHash(sth.rootHash))
 */
export function verifyInclusion(
  leafHash: Uint8Array,
  index: number,
  size: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  const computed = rootFromInclusionProof(leafHash, index, size, proof);
  return computed !== null && root.length === HASH_SIZE && hashesEqual(computed, root);
}

/**
 * Verify a consistency proof: is the tree of `size2` leaves with root `root2` an append-only extension
 * of the tree of `size1` leaves with root `root1`?
 */
export function verifyConsistency(
  size1: number,
  size2: number,
  root1: Uint8Array,
  root2: Uint8Array,
  proof: readonly Uint8Array[],
): boolean {
  if (!Number.isSafeInteger(size1) || !Number.isSafeInteger(size2) || size1 < 0 || size2 < size1)
    return false;
  if (root1.length !== HASH_SIZE || root2.length !== HASH_SIZE || !wellFormed(proof)) return false;
  if (size1 === size2) return proof.length === 0 && hashesEqual(root1, root2);
  // The empty tree is a prefix of every tree.
  if (size1 === 0) return proof.length === 0;
  if (proof.length === 0) return false;

  const path: Uint8Array[] = [...proof];
  // When size1 is a power of two its root is a node of the new tree, left out of the proof.
  if (isPowerOfTwo(size1)) path.unshift(root1);

  let fn = size1 - 1;
  let sn = size2 - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  const [first, ...rest] = path;
  if (first === undefined) return false;
  let fr: Uint8Array = first;
  let sr: Uint8Array = first;
  for (const c of rest) {
    if (sn === 0) return false;
    if (isOdd(fn) || fn === sn) {
      fr = hashChildren(c, fr);
      sr = hashChildren(c, sr);
      [fn, sn] = shiftUntilOdd(fn, sn);
    } else {
      sr = hashChildren(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && hashesEqual(fr, root1) && hashesEqual(sr, root2);
}
