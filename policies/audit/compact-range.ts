/**
 * The compact range [0, size) of a growing Merkle tree: the roots of its perfect subtrees, one per set bit
 * of `size` (transparency-dev's `compact.Range`). Appending a leaf costs amortised O(1) hashes and the root
 * costs O(log size), so the log never rehashes old entries.
 */
import { AuditError } from './errors.ts';
import { EMPTY_ROOT_HASH, hashChildren } from './merkle-hash.ts';

/** A perfect subtree completed by an append: level 0 is a leaf; it covers leaves [index * 2^level, (index + 1) * 2^level). */
export interface CompletedNode {
  level: number;
  index: number;
  hash: Uint8Array;
}

/** The incremental Merkle state of an append-only log. */
export interface CompactRange {
  /** Number of leaves appended. */
  readonly size: number;
  /** Append one leaf hash; calls `onNode` for every perfect subtree of two or more leaves it completes. */
  append(leafHash: Uint8Array, onNode?: (node: CompletedNode) => void): void;
  /** MTH of the leaves so far (RFC 6962): the perfect subtree roots folded right to left. */
  root(): Uint8Array;
  /** The perfect subtree roots, lowest level first (for tests and persistence). */
  nodes(): CompletedNode[];
}

/**
 * Create a compact range, empty or resumed from the perfect subtree roots of an existing tree of `size`
 * leaves (as returned by `nodes()`, or read back from storage).
 *
 * @throws AuditError `INVALID_RANGE` when the given nodes do not match the set bits of `size`.
 */
export function createCompactRange(size = 0, initial: readonly CompletedNode[] = []): CompactRange {
  // frontier[level] holds the root of the perfect subtree of 2^level leaves when bit `level` of size is set.
  const frontier: (Uint8Array | undefined)[] = [];
  let leafCount = size;
  let remaining = size;
  for (let level = 0; remaining > 0; level += 1) {
    if (remaining % 2 === 1) {
      const node = initial.find((candidate) => candidate.level === level);
      if (node === undefined) {
        throw new AuditError('INVALID_RANGE', `missing the level-${level} subtree of a tree of size ${size}`);
      }
      frontier[level] = node.hash;
    }
    remaining = Math.floor(remaining / 2);
  }

  return {
    get size() {
      return leafCount;
    },
    append(leafHash, onNode) {
      let hash = leafHash;
      let level = 0;
      let bits = leafCount;
      while (bits % 2 === 1) {
        const left = frontier[level];
        if (left === undefined) throw new AuditError('INVALID_RANGE', `compact range lost level ${level}`);
        hash = hashChildren(left, hash);
        frontier[level] = undefined;
        level += 1;
        bits = Math.floor(bits / 2);
        onNode?.({ level, index: Math.floor(leafCount / 2 ** level), hash });
      }
      frontier[level] = hash;
      leafCount += 1;
    },
    root() {
      let root: Uint8Array | undefined;
      for (const hash of frontier) {
        if (hash === undefined) continue;
        root = root === undefined ? hash : hashChildren(hash, root);
      }
      return root ?? EMPTY_ROOT_HASH;
    },
    nodes() {
      const out: CompletedNode[] = [];
      let offset = leafCount;
      frontier.forEach((hash, level) => {
        if (hash === undefined) return;
        offset -= 2 ** level;
        out.push({ level, index: offset / 2 ** level, hash });
      });
      return out;
    },
  };
}
