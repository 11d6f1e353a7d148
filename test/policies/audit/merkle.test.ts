import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  EMPTY_ROOT_HASH,
  consistencyPath,
  createCompactRange,
  hashChildren,
  hashLeaf,
  inclusionPath,
  merkleTreeHash,
  rootFromInclusionProof,
  subtreeHashFromLeaves,
  verifyConsistency,
  verifyInclusion,
} from '../../../policies/audit/index.ts';
import vectors from './vectors/rfc6962-transparency-dev.json' with { type: 'json' };
import testdata from './vectors/transparency-dev-testdata.json' with { type: 'json' };

const hex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'hex'));
const b64 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'base64'));
const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

const leafHashes = vectors.leafInputs.map((input) => hashLeaf(hex(input)));
const roots = vectors.rootHashes.map(hex);
const SOME_HASH = hex('abacaba000000000000000000000000000000000000000000060061e00123456');
const flipBit = (proof: Uint8Array[], i: number, mask: number): Uint8Array[] =>
  proof.map((hash, j) =>
    j === i ? Uint8Array.from(hash, (byte, k) => (k === 0 ? byte ^ mask : byte)) : hash,
  );

describe('RFC 6962 hashing (known answers from transparency-dev/merkle)', () => {
  it('hashes every leaf input to the published level-0 node hash', () => {
    expect(leafHashes.map(toHex)).toEqual(vectors.nodeHashes[0]);
  });

  it('computes every published interior node of the 8-leaf tree', () => {
    vectors.nodeHashes.forEach((level, levelIndex) => {
      level.forEach((expected, index) => {
        const width = 2 ** levelIndex;
        expect(toHex(merkleTreeHash(leafHashes, index * width, (index + 1) * width))).toBe(expected);
      });
    });
    expect(toHex(hashChildren(leafHashes[0] as Uint8Array, leafHashes[1] as Uint8Array))).toBe(
      vectors.nodeHashes[1]?.[0],
    );
  });

  it('computes the published root of every tree size 0..8, recursively and incrementally', () => {
    const range = createCompactRange();
    for (let size = 0; size <= 8; size += 1) {
      expect(toHex(merkleTreeHash(leafHashes.slice(0, size)))).toBe(vectors.rootHashes[size]);
      expect(toHex(range.root())).toBe(vectors.rootHashes[size]);
      const next = leafHashes[size];
      if (next !== undefined) range.append(next);
    }
    expect(toHex(EMPTY_ROOT_HASH)).toBe(vectors.rootHashes[0]);
  });

  it('reports the perfect subtrees a compact range completes, and resumes from them', () => {
    const completed: string[] = [];
    const range = createCompactRange();
    leafHashes.forEach((leaf) =>
      range.append(leaf, (node) => completed.push(`${node.level}:${node.index}:${toHex(node.hash)}`)),
    );
    const expected = vectors.nodeHashes
      .slice(1)
      .flatMap((level, i) => level.map((hash, index) => `${i + 1}:${index}:${hash}`));
    expect([...completed].sort()).toEqual([...expected].sort());
    const partial = createCompactRange();
    leafHashes.slice(0, 7).forEach((leaf) => partial.append(leaf));
    const resumed = createCompactRange(7, partial.nodes());
    resumed.append(leafHashes[7] as Uint8Array);
    expect(toHex(resumed.root())).toBe(vectors.rootHashes[8]);
  });
});

describe('inclusion proofs (RFC 6962 2.1.1)', () => {
  const source = subtreeHashFromLeaves(leafHashes);

  it.each(vectors.inclusionProofs)(
    'generates the published audit path for leaf $leafIndex of $treeSize',
    (vector) => {
      expect(inclusionPath(vector.leafIndex, vector.treeSize, source).map(toHex)).toEqual(vector.proof);
    },
  );

  it.each(vectors.inclusionProofs)(
    'verifies leaf $leafIndex of $treeSize and rejects every corruption',
    (vector) => {
      const proof = vector.proof.map(hex);
      const root = roots[vector.treeSize] as Uint8Array;
      const leaf = leafHashes[vector.leafIndex] as Uint8Array;
      const { leafIndex: index, treeSize: size } = vector;
      expect(verifyInclusion(leaf, index, size, proof, root)).toBe(true);
      expect(toHex(rootFromInclusionProof(leaf, index, size, proof) ?? new Uint8Array())).toBe(toHex(root));
      // The corruptions of transparency-dev's corruptInclusionProof.
      const probes: [number, number, Uint8Array, Uint8Array, Uint8Array[]][] = [
        [index - 1, size, root, leaf, proof],
        [index + 1, size, root, leaf, proof],
        [index ^ 2, size, root, leaf, proof],
        [index, size * 2, root, leaf, proof],
        [index, Math.floor(size / 2), root, leaf, proof],
        [index, size, root, new TextEncoder().encode('WrongLeaf'), proof],
        [index, size, EMPTY_ROOT_HASH, leaf, proof],
        [index, size, SOME_HASH, leaf, proof],
        [index, size, root, leaf, [...proof, new Uint8Array()]],
        [index, size, root, leaf, [...proof, root]],
        [index, size, root, leaf, [new Uint8Array(), ...proof]],
        [index, size, root, leaf, [root, ...proof]],
        ...proof.map((_, i): [number, number, Uint8Array, Uint8Array, Uint8Array[]] => [
          index,
          size,
          root,
          leaf,
          flipBit(proof, i, 8),
        ]),
      ];
      if (proof.length > 0) probes.push([index, size, root, leaf, proof.slice(0, -1)]);
      if (proof.length > 1)
        probes.push([index, size, root, leaf, [proof[0] as Uint8Array, SOME_HASH, ...proof.slice(1)]]);
      for (const [i, s, r, l, p] of probes) expect(verifyInclusion(l, i, s, p, r)).toBe(false);
    },
  );

  it.each(Object.entries(testdata.inclusion))('agrees with %s', (_name, vector) => {
    const result = verifyInclusion(
      b64(vector.leafHash),
      vector.leafIdx,
      vector.treeSize,
      vector.proof.map(b64),
      b64(vector.root),
    );
    expect(result).toBe(!vector.wantErr);
  });

  it('rejects out-of-range indexes and sizes', () => {
    expect(verifyInclusion(SOME_HASH, 0, 0, [], EMPTY_ROOT_HASH)).toBe(false);
    expect(verifyInclusion(SOME_HASH, 2, 1, [], SOME_HASH)).toBe(false);
    expect(verifyInclusion(SOME_HASH, 0, 1, [], SOME_HASH)).toBe(true);
    expect(() => inclusionPath(8, 8, source)).toThrow(/not inside/);
  });
});

describe('consistency proofs (RFC 6962 2.1.2)', () => {
  const source = subtreeHashFromLeaves(leafHashes);

  it.each(vectors.consistencyProofs)('generates the published proof from $size1 to $size2', (vector) => {
    expect(consistencyPath(vector.size1, vector.size2, source).map(toHex)).toEqual(vector.proof);
  });

  it.each(vectors.consistencyProofs)('verifies $size1 -> $size2 and rejects every corruption', (vector) => {
    const proof = vector.proof.map(hex);
    const { size1, size2 } = vector;
    const root1 = roots[size1] as Uint8Array;
    const root2 = roots[size2] as Uint8Array;
    expect(verifyConsistency(size1, size2, root1, root2, proof)).toBe(true);
    if (proof.length === 0) return;
    const wrong = new TextEncoder().encode('WrongRoot');
    // The corruptions of transparency-dev's corruptConsistencyProof.
    const probes: [number, number, Uint8Array, Uint8Array, Uint8Array[]][] = [
      [size1 - 1, size2, root1, root2, proof],
      [size1 + 1, size2, root1, root2, proof],
      [size1 ^ 2, size2, root1, root2, proof],
      [size1, size2 * 2, root1, root2, proof],
      [size1, Math.floor(size2 / 2), root1, root2, proof],
      [size1, size2, wrong, root2, proof],
      [size1, size2, root1, wrong, proof],
      [size1, size2, root2, root1, proof],
      [size1, size2, root1, root2, []],
      [size1, size2, root1, root2, [...proof, new Uint8Array()]],
      [size1, size2, root1, root2, [...proof, root1]],
      [size1, size2, root1, root2, [...proof, root2]],
      [size1, size2, root1, root2, [new Uint8Array(), ...proof]],
      [size1, size2, root1, root2, [root1, ...proof]],
      [size1, size2, root1, root2, [root2, ...proof]],
      [size1, size2, root1, root2, [proof[0] as Uint8Array, ...proof]],
      [size1, size2, root1, root2, proof.slice(0, -1)],
      ...proof.map((_, i): [number, number, Uint8Array, Uint8Array, Uint8Array[]] => [
        size1,
        size2,
        root1,
        root2,
        flipBit(proof, i, 16),
      ]),
    ];
    for (const [s1, s2, r1, r2, p] of probes) expect(verifyConsistency(s1, s2, r1, r2, p)).toBe(false);
  });

  it.each(Object.entries(testdata.consistency))('agrees with %s', (_name, vector) => {
    const proof = vector.proof.map(b64);
    expect(verifyConsistency(vector.size1, vector.size2, b64(vector.root1), b64(vector.root2), proof)).toBe(
      !vector.wantErr,
    );
  });

  it('handles the trivial sizes as transparency-dev does', () => {
    const r1 = new TextEncoder().encode("don't care 1");
    const r2 = new TextEncoder().encode("don't care 2");
    expect(verifyConsistency(0, 0, EMPTY_ROOT_HASH, EMPTY_ROOT_HASH, [])).toBe(true);
    expect(verifyConsistency(0, 1, EMPTY_ROOT_HASH, SOME_HASH, [])).toBe(true);
    expect(verifyConsistency(1, 1, SOME_HASH, SOME_HASH, [])).toBe(true);
    expect(verifyConsistency(1, 1, SOME_HASH, EMPTY_ROOT_HASH, [])).toBe(false);
    expect(verifyConsistency(1, 0, SOME_HASH, SOME_HASH, [])).toBe(false);
    expect(verifyConsistency(2, 1, SOME_HASH, SOME_HASH, [])).toBe(false);
    expect(verifyConsistency(1, 2, SOME_HASH, EMPTY_ROOT_HASH, [])).toBe(false);
    expect(verifyConsistency(0, 0, EMPTY_ROOT_HASH, EMPTY_ROOT_HASH, [EMPTY_ROOT_HASH])).toBe(false);
    expect(verifyConsistency(1, 1, EMPTY_ROOT_HASH, EMPTY_ROOT_HASH, [EMPTY_ROOT_HASH])).toBe(false);
    expect(verifyConsistency(0, 0, r1, r2, [])).toBe(false);
    expect(consistencyPath(0, 5, source)).toEqual([]);
    expect(consistencyPath(5, 5, source)).toEqual([]);
    expect(() => consistencyPath(6, 5, source)).toThrow(/larger/);
  });
});

describe('property: every generated proof verifies against the recomputed roots', () => {
  it('for every index and pair of sizes of trees up to 70 leaves', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 70 }), fc.nat(), fc.nat(), (size2, a, b) => {
        const leaves = Array.from({ length: size2 }, (_, i) => hashLeaf(Buffer.from(`leaf ${i}`)));
        const source = subtreeHashFromLeaves(leaves);
        const range = createCompactRange();
        leaves.forEach((leaf) => range.append(leaf));
        const root2 = merkleTreeHash(leaves);
        expect(toHex(range.root())).toBe(toHex(root2));
        const index = a % size2;
        const size1 = b % (size2 + 1);
        const path = inclusionPath(index, size2, source);
        expect(verifyInclusion(leaves[index] as Uint8Array, index, size2, path, root2)).toBe(true);
        const root1 = merkleTreeHash(leaves, 0, size1);
        const proof = consistencyPath(size1, size2, source);
        expect(verifyConsistency(size1, size2, root1, root2, proof)).toBe(true);
        if (size1 > 0 && size1 < size2) {
          expect(verifyConsistency(size1, size2, root1, SOME_HASH, proof)).toBe(false);
        }
      }),
      { numRuns: 300 },
    );
  });
});
