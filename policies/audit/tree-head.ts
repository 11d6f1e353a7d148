/**
 * Signed tree heads: a compact JWS (EdDSA over Ed25519, via jose) whose payload is the canonical JSON of
 * `{ size, rootHash, at }`, `rootHash` being the Base64 RFC 6962 root of the first `size` entries.
 */
import { CompactSign, compactVerify, importJWK } from 'jose';
import type { JWK } from 'jose';
import { canonicalJson } from './canonical-json.ts';
import { AuditError } from './errors.ts';
import { HASH_SIZE } from './merkle-hash.ts';
import { TREE_HEAD_ALGORITHM } from './signing-key.ts';
import type { AuditSigningKey } from './signing-key.ts';

/** The signed statement: the log had `size` entries with this root at time `at`. */
export interface TreeHead {
  size: number;
  /** Base64 of the 32-byte root hash. */
  rootHash: string;
  /** ISO-8601 time of signing. */
  at: string;
}

/** A tree head with its signature (`SignedTreeHead` in the public API). */
export interface SignedTreeHead extends TreeHead {
  /** The compact JWS whose payload is the canonical JSON of the tree head. */
  signature: string;
  /** Key id of the signing key. */
  kid: string;
}

/** Base64 of a hash. */
export function encodeHash(hash: Uint8Array): string {
  return Buffer.from(hash).toString('base64');
}

/**
 * Decode a Base64 hash strictly (it must re-encode to the same text and be 32 bytes).
 *
 * @throws AuditError `INVALID_RANGE` otherwise.
 */
export function decodeHash(text: string): Uint8Array {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length !== HASH_SIZE || bytes.toString('base64') !== text) {
    throw new AuditError('INVALID_RANGE', 'not a Base64 SHA-256 hash');
  }
  return new Uint8Array(bytes);
}

/** Sign a tree head. */
export async function signTreeHead(key: AuditSigningKey, head: TreeHead): Promise<SignedTreeHead> {
  const payload = { size: head.size, rootHash: head.rootHash, at: head.at };
  try {
    const signature = await new CompactSign(new TextEncoder().encode(canonicalJson(payload)))
      .setProtectedHeader({ alg: TREE_HEAD_ALGORITHM, kid: key.kid, typ: 'cleanroom-sth+jws' })
      .sign(key.privateKey);
    return { ...payload, signature, kid: key.kid };
  } catch (error) {
    throw new AuditError('SIGNING_FAILED', `cannot sign the tree head at size ${head.size}`, {
      cause: error,
      context: { sequence: head.size },
    });
  }
}

/**
 * Check a tree head's signature with the public JWK and return the tree head it signs, or `null` when the
 * signature, algorithm or payload is not valid.
 */
export async function verifyTreeHeadSignature(signature: string, publicJwk: JWK): Promise<TreeHead | null> {
  try {
    const key = await importJWK(publicJwk, TREE_HEAD_ALGORITHM);
    const { payload } = await compactVerify(signature, key, { algorithms: [TREE_HEAD_ALGORITHM] });
    const head = JSON.parse(new TextDecoder().decode(payload)) as Partial<TreeHead>;
    if (
      typeof head.size !== 'number' ||
      !Number.isSafeInteger(head.size) ||
      head.size < 0 ||
      typeof head.rootHash !== 'string' ||
      typeof head.at !== 'string'
    ) {
      return null;
    }
    decodeHash(head.rootHash);
    return { size: head.size, rootHash: head.rootHash, at: head.at };
  } catch {
    return null;
  }
}
