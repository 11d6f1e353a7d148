/**
 * Recompute the whole log from its stored entries and check it against everything stored and signed:
 * contiguous sequences, each entry's leaf hash, the sequence and columns inside each entry, the stored
 * Merkle nodes, and every signed tree head's signature and root. Stops at the first problem, in sequence
 * order, and names the first sequence number that can no longer be trusted.
 */
import type { JWK } from 'jose';
import type { AuditStore, TreeHeadRow } from './audit-store.ts';
import { createCompactRange } from './compact-range.ts';
import { hashLeaf, hashesEqual } from './merkle-hash.ts';
import { encodeHash, verifyTreeHeadSignature } from './tree-head.ts';
import type { SignedTreeHead, TreeHead } from './tree-head.ts';

/** Outcome of a verification (`AuditVerification` in the public API). */
export interface AuditVerification {
  valid: boolean;
  /** Entries checked: the log's size when valid, otherwise the entries before the first bad one. */
  size: number;
  /**
   * The first sequence number that cannot be trusted, `null` when valid. For a change that only a signed
   * root reveals (entry and leaf hash rewritten together), this is the first entry after the last signed
   * tree head that still matched: the change lies between it and the failing tree head.
   */
  firstBadSequence: number | null;
  /** What was wrong, or a summary when valid. */
  reason: string;
  /** Size of the largest signed tree head checked, 0 when none. */
  signedSize: number;
  /** Number of signed tree heads checked. */
  treeHeadsChecked: number;
}

/** Options of {@link verifyAuditStore}. */
export interface VerifyOptions {
  /** Public JWK that signs tree heads; without it, tree heads cannot be checked and verification fails if any exist. */
  publicJwk?: JWK;
  /** Extra tree heads held outside the database (published or witnessed), checked like the stored ones. */
  trustedTreeHeads?: readonly SignedTreeHead[];
}

interface CheckedHead {
  head: TreeHead | null;
  claimedSize: number;
}

function columnsMatch(
  row: { decision_id: string; at: string; principal_id: string; action: string; effect: string },
  entry: Record<string, unknown>,
): boolean {
  const principal = entry.principal as { id?: unknown } | undefined;
  return (
    entry.decisionId === row.decision_id &&
    entry.at === row.at &&
    principal?.id === row.principal_id &&
    entry.action === row.action &&
    entry.effect === row.effect
  );
}

async function checkHeads(
  rows: readonly TreeHeadRow[],
  extra: readonly SignedTreeHead[],
  publicJwk: JWK | undefined,
): Promise<CheckedHead[]> {
  const all = [
    ...rows.map((row) => ({ signature: row.signature, size: row.size, rootHash: row.root_hash, at: row.at })),
    ...extra.map((head) => ({
      signature: head.signature,
      size: head.size,
      rootHash: head.rootHash,
      at: head.at,
    })),
  ];
  const checked = await Promise.all(
    all.map(async (row): Promise<CheckedHead> => {
      const head = publicJwk === undefined ? null : await verifyTreeHeadSignature(row.signature, publicJwk);
      // The stored columns must say what the signature says.
      const consistent =
        head !== null && head.size === row.size && head.rootHash === row.rootHash && head.at === row.at;
      return { head: consistent ? head : null, claimedSize: row.size };
    }),
  );
  return checked.sort((a, b) => a.claimedSize - b.claimedSize);
}

/** Verify the log held in `store`. */
export async function verifyAuditStore(
  store: AuditStore,
  options: VerifyOptions = {},
): Promise<AuditVerification> {
  const heads = await checkHeads(store.treeHeads(), options.trustedTreeHeads ?? [], options.publicJwk);
  const range = createCompactRange();
  let headIndex = 0;
  let lastGoodSignedSize = 0;
  let treeHeadsChecked = 0;

  const fail = (sequence: number, reason: string): AuditVerification => ({
    valid: false,
    size: range.size,
    firstBadSequence: sequence,
    reason,
    signedSize: lastGoodSignedSize,
    treeHeadsChecked,
  });

  // Check every tree head whose size the recomputation has just reached; returns a failure or undefined.
  const checkHeadsAtCurrentSize = (): AuditVerification | undefined => {
    while (headIndex < heads.length && (heads[headIndex]?.claimedSize ?? Infinity) <= range.size) {
      const checked = heads[headIndex] as CheckedHead;
      headIndex += 1;
      if (checked.head === null) {
        if (options.publicJwk === undefined) {
          return fail(
            lastGoodSignedSize,
            'signed tree heads exist but no public key was given to check them',
          );
        }
        return fail(
          lastGoodSignedSize,
          `the signed tree head at size ${checked.claimedSize} has an invalid signature or does not match its record`,
        );
      }
      if (encodeHash(range.root()) !== checked.head.rootHash) {
        return fail(
          lastGoodSignedSize,
          `the recomputed root at size ${checked.claimedSize} does not match its signed tree head: ` +
            `an entry in [${lastGoodSignedSize}, ${checked.claimedSize}) was altered`,
        );
      }
      treeHeadsChecked += 1;
      lastGoodSignedSize = checked.claimedSize;
    }
    return undefined;
  };

  const early = checkHeadsAtCurrentSize();
  if (early !== undefined) return early;

  for (const row of store.iterate(0, Number.MAX_SAFE_INTEGER)) {
    const expected = range.size;
    if (row.sequence !== expected)
      return fail(expected, `entry ${expected} is missing (next stored entry is ${row.sequence})`);
    const leafHash = hashLeaf(row.entry);
    if (!hashesEqual(leafHash, row.leaf_hash))
      return fail(expected, `entry ${expected} does not match its stored leaf hash`);
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(row.entry.toString('utf8')) as Record<string, unknown>;
    } catch {
      return fail(expected, `entry ${expected} is not valid JSON`);
    }
    if (entry.sequence !== expected) {
      return fail(
        expected,
        `entry ${expected} carries sequence ${String(entry.sequence)}: entries were moved`,
      );
    }
    if (!columnsMatch(row, entry))
      return fail(expected, `the indexed columns of entry ${expected} do not match the entry`);

    let badNode: { start: number; reason: string } | undefined;
    range.append(leafHash, (node) => {
      const stored = store.node(node.level, node.index);
      if (badNode === undefined && (stored === undefined || !hashesEqual(stored, node.hash))) {
        const start = node.index * 2 ** node.level;
        badNode = {
          start,
          reason:
            `the stored Merkle node over entries [${start}, ${start + 2 ** node.level}) does not match them: ` +
            'an entry and its leaf hash were rewritten, or the node was',
        };
      }
    });
    if (badNode !== undefined) return fail(badNode.start, badNode.reason);
    const headFailure = checkHeadsAtCurrentSize();
    if (headFailure !== undefined) return headFailure;
  }

  const beyond = heads.slice(headIndex).find((checked) => checked.claimedSize > range.size);
  if (beyond !== undefined && beyond.head === null) {
    return fail(
      range.size,
      `the signed tree head at size ${beyond.claimedSize} has an invalid signature or does not match its record`,
    );
  }
  if (beyond !== undefined) {
    return fail(
      range.size,
      `the log was truncated: a tree head was signed at size ${beyond.claimedSize} but only ${range.size} entries remain`,
    );
  }
  const unsigned = range.size - lastGoodSignedSize;
  return {
    valid: true,
    size: range.size,
    firstBadSequence: null,
    reason:
      `${range.size} entries and ${treeHeadsChecked} signed tree heads verified` +
      (unsigned > 0
        ? `; ${unsigned} entries after the latest signed tree head are checked against leaf hashes only`
        : ''),
    signedSize: lastGoodSignedSize,
    treeHeadsChecked,
  };
}
