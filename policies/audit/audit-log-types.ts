/** The public types of the audit log: options, proofs, pages and the `AuditLog` interface itself. */
import type { JWK } from 'jose';
import type { Registry } from 'prom-client';
import type { AuditDecision, AuditEntry } from './audit-entry.ts';
import type { AuditVerification, VerifyOptions } from './audit-verify.ts';
import type { AuditSigningKey } from './signing-key.ts';
import type { SignedTreeHead } from './tree-head.ts';

/** Options of {@link createAuditLog}. */
export interface AuditLogOptions {
  /** The SQLite file (conventionally `<dataDir>/audit.sqlite`). */
  path: string;
  /** Signs tree heads; without it no tree heads are produced and `signedTreeHead()` throws. */
  signingKey?: AuditSigningKey;
  /** Sign a tree head whenever the size reaches a multiple of this (default 1000). */
  sthEvery?: number;
  /** Also sign one at this interval when entries arrived since the last (default 10 000 ms; 0 turns it off). */
  sthIntervalMs?: number;
  /** SQLite durability, see `AuditStoreOptions.synchronous` (default `FULL`). */
  synchronous?: 'FULL' | 'NORMAL';
  /** Clock of entries and tree heads (tests inject one). */
  now?: () => Date;
  /** Failures that no caller awaits: background tree head signing, a throwing subscriber. */
  onError?: (error: unknown) => void;
  /** Prometheus registry for `cleanroom_audit_*` metrics. */
  registry?: Registry;
}

/** An audit path for one entry (`InclusionProof` in the public API); hashes in Base64. */
export interface InclusionProof {
  sequence: number;
  treeSize: number;
  leafHash: string;
  auditPath: string[];
  rootHash: string;
}

/** A consistency proof between two sizes of the log; hashes in Base64. */
export interface ConsistencyProof {
  fromSize: number;
  toSize: number;
  fromRootHash: string;
  toRootHash: string;
  proof: string[];
}

/** A Relay-style page of entries; the cursor is the sequence number. */
export interface AuditEntryConnection {
  edges: { cursor: string; node: AuditEntry }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

/** Filters of {@link AuditLog.list}; `from` inclusive, `to` exclusive. */
export interface AuditEntryFilter {
  principalId?: string;
  action?: string;
  effect?: string;
  from?: Date | string;
  to?: Date | string;
}

/** The audit log. */
export interface AuditLog {
  /**
   * Append a decision; returns the logged entry once it is durable.
   *
   * @throws AuditError — the decision was NOT logged and its answer must not be released.
   */
  append(decision: AuditDecision): AuditEntry;
  /**
   * Append a decision with group commit: appends queued in the same turn of the event loop share one
   * transaction and one fsync. Resolves with the entry once it is durable.
   *
   * @throws AuditError (rejection) — the decision was NOT logged and its answer must not be released.
   */
  appendAsync(decision: AuditDecision): Promise<AuditEntry>;
  /** Number of entries. */
  size(): number;
  /** The entry at `sequence`, or `undefined`. */
  get(sequence: number): AuditEntry | undefined;
  /** Entries matching `filter`, in sequence order, `first` at a time after the cursor `after`. */
  list(filter?: AuditEntryFilter, first?: number, after?: string | number | null): AuditEntryConnection;
  /** Base64 root hash of the first `size` entries (default: all). */
  rootHash(size?: number): string;
  /** Audit path of the entry at `sequence` in the tree of `size` entries (default: the current size). */
  inclusionProof(sequence: number, size?: number): InclusionProof;
  /** Consistency proof between the trees of `fromSize` and `toSize` entries. */
  consistencyProof(fromSize: number, toSize: number): ConsistencyProof;
  /** Sign (or return, when nothing changed) a tree head at the current size. */
  signedTreeHead(): Promise<SignedTreeHead>;
  /** The latest stored signed tree head, if any. */
  latestSignedTreeHead(): SignedTreeHead | undefined;
  /** The public JWK that verifies tree heads, when the log has a signing key. */
  readonly publicJwk: JWK | undefined;
  /** Recompute everything from the stored entries (see `verifyAuditStore`). */
  verify(options?: Omit<VerifyOptions, 'publicJwk'>): Promise<AuditVerification>;
  /** Be told of every entry after it is durable (`policyDecisionLogged`); returns the unsubscribe function. */
  subscribe(listener: (entry: AuditEntry) => void): () => void;
  /** Wait for tree heads being signed in the background. */
  flush(): Promise<void>;
  /** Stop the timer, finish pending signatures and close the database. */
  close(): Promise<void>;
}
