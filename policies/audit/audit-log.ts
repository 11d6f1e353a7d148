/**
 * The tamper-evident decision log: append-only entries in SQLite, an RFC 6962 Merkle tree over them kept
 * incrementally (a compact range, so old entries are never rehashed), signed tree heads every `sthEvery`
 * entries or `sthIntervalMs`, proofs, queries, live notifications and full verification.
 *
 * `append` is synchronous and returns only once the entry is committed (WAL, synchronous=FULL);
 * `appendAsync` group-commits concurrent appends (one transaction and one fsync for all those queued in
 * the same turn of the event loop) and resolves once they are durable. Either way: release the answer
 * only after it returned, and fail the request when it threw.
 */
import path from 'node:path';
import { buildAuditEntry, encodeAuditEntry } from './audit-entry.ts';
import type { AuditDecision, AuditEntry } from './audit-entry.ts';
import type { AuditLog, AuditLogOptions } from './audit-log-types.ts';
import { openAuditStore } from './audit-store.ts';
import type { EntryFilter, EntryRow } from './audit-store.ts';
import { verifyAuditStore } from './audit-verify.ts';
import type { CompactRange, CompletedNode } from './compact-range.ts';
import { AuditError } from './errors.ts';
import { createAuditMetrics } from './instrumentation.ts';
import { EMPTY_ROOT_HASH, hashLeaf } from './merkle-hash.ts';
import { consistencyPath, inclusionPath } from './merkle-proofs.ts';
import { loadOrCreateAuditSigningKey } from './signing-key.ts';
import { loadCompactRange, storeSubtreeHash } from './store-merkle.ts';
import { encodeHash } from './tree-head.ts';
import { createTreeHeadSigner } from './tree-head-signer.ts';
import type { TreeState } from './tree-head-signer.ts';

const MAX_PAGE = 1000;
/** Largest group commit; more queued appends go in the next transaction. */
const MAX_GROUP = 1000;

function parseEntry(row: EntryRow): AuditEntry {
  return JSON.parse(row.entry.toString('utf8')) as AuditEntry;
}

function toIso(value: Date | string, field: string): string {
  const date = typeof value === 'string' ? new Date(value) : value;
  if (Number.isNaN(date.getTime())) {
    throw new AuditError('INVALID_RANGE', `${field} is not a valid time`, { context: { field } });
  }
  return date.toISOString();
}

function asAuditError(error: unknown): AuditError {
  return error instanceof AuditError
    ? error
    : new AuditError('INVALID_ENTRY', 'the decision is not a valid audit entry', { cause: error });
}

interface QueuedAppend {
  decision: AuditDecision;
  resolve: (entry: AuditEntry) => void;
  reject: (error: AuditError) => void;
}

/**
 * Open (creating if needed) an audit log.
 *
 * @example
 * const log = createAuditLog({ path: 'data/audit.sqlite', signingKey: await loadOrCreateAuditSigningKey('data') });
 * const entry = log.append({ principal, action: 'segment.size', resource: 'segment:s1',
 *   inputDigest: digestRequest(request), effect: 'allow', obligations, reasons, contractVersion, resultSummary });
 */
export function createAuditLog(options: AuditLogOptions): AuditLog {
  const store = openAuditStore(options.path, { synchronous: options.synchronous ?? 'FULL' });
  const now = options.now ?? (() => new Date());
  const sthEvery = options.sthEvery ?? 1000;
  const onError = options.onError ?? (() => {});
  const key = options.signingKey;
  const subtreeHash = storeSubtreeHash(store);
  const listeners = new Set<(entry: AuditEntry) => void>();
  const metrics = createAuditMetrics(options.registry);
  let range: CompactRange | undefined = loadCompactRange(store, store.nextSequence());
  let queued: QueuedAppend[] = [];
  let closed = false;

  function currentRange(): CompactRange {
    // After a failed append the in-memory state is dropped and re-read from what was committed.
    range ??= loadCompactRange(store, store.nextSequence());
    return range;
  }

  const signer = createTreeHeadSigner({
    store,
    key,
    now,
    intervalMs: options.sthIntervalMs ?? 10_000,
    metrics,
    onError,
    current: () => ({ size: currentRange().size, root: currentRange().root() }),
  });

  /** Commit decisions in one transaction; each result is the logged entry or why it was not logged. */
  function commit(decisions: readonly AuditDecision[]): (AuditEntry | AuditError)[] {
    const current = currentRange();
    const results: (AuditEntry | AuditError)[] = [];
    const rows: EntryRow[] = [];
    const nodes: CompletedNode[] = [];
    const treeHeadsDue: TreeState[] = [];
    for (const decision of decisions) {
      let entry: AuditEntry;
      let bytes: Buffer;
      try {
        entry = buildAuditEntry(decision, current.size, now);
        bytes = encodeAuditEntry(entry);
      } catch (error) {
        results.push(asAuditError(error));
        continue;
      }
      const leafHash = hashLeaf(bytes);
      current.append(leafHash, (node) => nodes.push(node));
      rows.push({
        sequence: entry.sequence,
        decision_id: entry.decisionId,
        at: entry.at,
        principal_id: entry.principal.id,
        action: entry.action,
        effect: entry.effect,
        entry: bytes,
        leaf_hash: leafHash,
      });
      results.push(entry);
      if (key !== undefined && current.size % sthEvery === 0) {
        treeHeadsDue.push({ size: current.size, root: current.root() });
      }
    }
    if (rows.length === 0) return results;
    try {
      store.appendEntries(rows, nodes);
    } catch (error) {
      range = undefined;
      metrics.appendFailed();
      const first = rows[0]?.sequence ?? 0;
      const failure = new AuditError(
        'APPEND_FAILED',
        `the decision could not be logged at sequence ${first}`,
        {
          cause: error,
          context: { sequence: first },
        },
      );
      return results.map((result) => (result instanceof AuditError ? result : failure));
    }
    for (const result of results) {
      if (result instanceof AuditError) continue;
      metrics.appended(result.effect);
      for (const listener of listeners) {
        try {
          listener(result);
        } catch (error) {
          onError(error);
        }
      }
    }
    // A failed signature is reported to onError by the signer itself (and the size is signed again later).
    for (const state of treeHeadsDue) signer.schedule(state).catch(reportedBySigner);
    return results;
  }

  function drainQueue(): void {
    while (queued.length > 0) {
      const group = queued.slice(0, MAX_GROUP);
      queued = queued.slice(group.length);
      const results = commit(group.map((item) => item.decision));
      group.forEach((item, index) => {
        const result = results[index];
        if (result === undefined || result instanceof AuditError) {
          item.reject(result ?? new AuditError('APPEND_FAILED', 'the decision could not be logged'));
        } else {
          item.resolve(result);
        }
      });
    }
  }

  function assertOpen(): void {
    if (closed) throw new AuditError('CLOSED', 'the audit log is closed');
  }

  function checkSize(size: number, field: string): void {
    const logSize = currentRange().size;
    if (!Number.isSafeInteger(size) || size < 0 || size > logSize) {
      throw new AuditError('INVALID_RANGE', `${field} ${size} is outside the log of ${logSize} entries`, {
        context: { sequence: size },
      });
    }
  }

  function rootAt(size: number): Uint8Array {
    const current = currentRange();
    if (size === current.size) return current.root();
    return size === 0 ? EMPTY_ROOT_HASH : subtreeHash(0, size);
  }

  return {
    append(decision) {
      assertOpen();
      const [result] = commit([decision]);
      if (result === undefined || result instanceof AuditError) {
        throw result ?? new AuditError('APPEND_FAILED', 'the decision could not be logged');
      }
      return result;
    },
    appendAsync(decision) {
      if (closed) return Promise.reject(new AuditError('CLOSED', 'the audit log is closed'));
      return new Promise<AuditEntry>((resolve, reject) => {
        queued.push({ decision, resolve, reject });
        if (queued.length === 1) setImmediate(drainQueue);
      });
    },
    size: () => currentRange().size,
    get(sequence) {
      const row = store.entry(sequence);
      return row === undefined ? undefined : parseEntry(row);
    },
    list(filter = {}, first = 50, after = null) {
      const limit = Math.min(Math.max(Math.trunc(first), 1), MAX_PAGE);
      const afterSequence = after === null || after === undefined || after === '' ? -1 : Number(after);
      if (!Number.isSafeInteger(afterSequence) || afterSequence < -1) {
        throw new AuditError('INVALID_RANGE', 'the cursor is not a sequence number', {
          context: { field: 'after' },
        });
      }
      const storeFilter: EntryFilter = {
        principalId: filter.principalId,
        action: filter.action,
        effect: filter.effect,
        from: filter.from === undefined ? undefined : toIso(filter.from, 'from'),
        to: filter.to === undefined ? undefined : toIso(filter.to, 'to'),
      };
      const rows = store.list(storeFilter, afterSequence, limit + 1);
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      return {
        edges: page.map((row) => ({ cursor: String(row.sequence), node: parseEntry(row) })),
        pageInfo: {
          hasNextPage: rows.length > limit,
          endCursor: last === undefined ? null : String(last.sequence),
        },
      };
    },
    rootHash(size = currentRange().size) {
      checkSize(size, 'tree size');
      return encodeHash(rootAt(size));
    },
    inclusionProof(sequence, size = currentRange().size) {
      checkSize(size, 'tree size');
      const auditPath = inclusionPath(sequence, size, subtreeHash);
      return {
        sequence,
        treeSize: size,
        leafHash: encodeHash(subtreeHash(sequence, sequence + 1)),
        auditPath: auditPath.map(encodeHash),
        rootHash: encodeHash(rootAt(size)),
      };
    },
    consistencyProof(fromSize, toSize) {
      checkSize(fromSize, 'first tree size');
      checkSize(toSize, 'second tree size');
      return {
        fromSize,
        toSize,
        fromRootHash: encodeHash(rootAt(fromSize)),
        toRootHash: encodeHash(rootAt(toSize)),
        proof: consistencyPath(fromSize, toSize, subtreeHash).map(encodeHash),
      };
    },
    signedTreeHead() {
      if (closed) return Promise.reject(new AuditError('CLOSED', 'the audit log is closed'));
      return signer.signCurrent();
    },
    latestSignedTreeHead: () => signer.latest(),
    publicJwk: key?.publicJwk,
    verify(verifyOptions = {}) {
      return verifyAuditStore(store, { ...verifyOptions, publicJwk: key?.publicJwk });
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    flush: () => signer.flush(),
    async close() {
      if (closed) return;
      closed = true;
      drainQueue();
      await signer.stop();
      listeners.clear();
      store.close();
    },
  };
}

/** Options of {@link openAuditLog}: those of `createAuditLog` with a data directory instead of a path. */
export type OpenAuditLogOptions = Omit<AuditLogOptions, 'path' | 'signingKey'> & { dataDir: string };

/** Path of the audit database under a data directory. */
export function auditLogPath(dataDir: string): string {
  return path.join(dataDir, 'audit.sqlite');
}

/**
 * Open `<dataDir>/audit.sqlite` with the signing key from `<dataDir>/secrets/audit-signing.jwk`
 * (generated on first start).
 */
export async function openAuditLog(options: OpenAuditLogOptions): Promise<AuditLog> {
  const { dataDir, ...rest } = options;
  const signingKey = await loadOrCreateAuditSigningKey(dataDir);
  return createAuditLog({ ...rest, path: auditLogPath(dataDir), signingKey });
}

/** A failed tree-head signature: the signer told `onError` already, so the scheduling caller has nothing to add. */
function reportedBySigner(): void {}
