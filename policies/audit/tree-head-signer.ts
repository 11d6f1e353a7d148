/**
 * Produces signed tree heads in the background, one at a time and in size order: when an append reaches a
 * multiple of `sthEvery`, on a timer when entries arrived since the last one, and on demand. Appends never
 * wait for a signature; a failed signature is reported and retried at the next trigger.
 */
import type { AuditStore } from './audit-store.ts';
import { AuditError } from './errors.ts';
import type { AuditMetrics } from './instrumentation.ts';
import type { AuditSigningKey } from './signing-key.ts';
import { encodeHash, signTreeHead } from './tree-head.ts';
import type { SignedTreeHead } from './tree-head.ts';

/** The size and root of the log right now. */
export interface TreeState {
  size: number;
  root: Uint8Array;
}

/** Options of {@link createTreeHeadSigner}. */
export interface TreeHeadSignerOptions {
  store: AuditStore;
  key: AuditSigningKey | undefined;
  now: () => Date;
  intervalMs: number;
  metrics: AuditMetrics;
  onError: (error: unknown) => void;
  /** Reads the current state for the timer and for on-demand heads. */
  current: () => TreeState;
}

/** The background signer of one log. */
export interface TreeHeadSigner {
  /** Queue a tree head for this size and root (captured now, signed later). */
  schedule(state: TreeState): Promise<SignedTreeHead>;
  /** The latest signed tree head at the current size, signing one when needed. */
  signCurrent(): Promise<SignedTreeHead>;
  latest(): SignedTreeHead | undefined;
  /** Wait for every queued signature. */
  flush(): Promise<void>;
  /** Stop the timer and wait for queued signatures. */
  stop(): Promise<void>;
}

/** Start a signer (and its timer when `key` is given and `intervalMs` > 0). */
export function createTreeHeadSigner(options: TreeHeadSignerOptions): TreeHeadSigner {
  const { store, key, now, metrics, onError } = options;
  const row = store.latestTreeHead();
  let latest: SignedTreeHead | undefined =
    row === undefined
      ? undefined
      : { size: row.size, rootHash: row.root_hash, at: row.at, signature: row.signature, kid: row.kid };
  let scheduledSize = latest?.size ?? -1;
  let queue: Promise<unknown> = Promise.resolve();

  function requireKey(): AuditSigningKey {
    if (key === undefined) throw new AuditError('SIGNING_KEY', 'this audit log has no signing key');
    return key;
  }

  function schedule(state: TreeState): Promise<SignedTreeHead> {
    const signingKey = requireKey();
    scheduledSize = Math.max(scheduledSize, state.size);
    const head = { size: state.size, rootHash: encodeHash(state.root), at: now().toISOString() };
    const signed = queue.then(async () => {
      const sth = await signTreeHead(signingKey, head);
      if (!store.db.open) throw new AuditError('CLOSED', 'the audit log is closed');
      store.insertTreeHead({
        size: sth.size,
        root_hash: sth.rootHash,
        at: sth.at,
        kid: sth.kid,
        signature: sth.signature,
      });
      if (latest === undefined || sth.size >= latest.size) latest = sth;
      metrics.treeHeadSigned();
      return sth;
    });
    queue = signed.catch((error: unknown) => {
      scheduledSize = latest?.size ?? -1;
      onError(error);
    });
    return signed;
  }

  const timer =
    key !== undefined && options.intervalMs > 0
      ? setInterval(() => {
          try {
            const state = options.current();
            if (state.size > scheduledSize) schedule(state).catch(reportedByQueue);
          } catch (error) {
            onError(error);
          }
        }, options.intervalMs)
      : undefined;
  // The timer must never keep a process alive on its own.
  timer?.unref();

  return {
    schedule,
    async signCurrent() {
      requireKey();
      const state = options.current();
      if (scheduledSize === state.size) {
        await queue;
        if (latest !== undefined && latest.size === state.size) return latest;
      }
      return schedule(state);
    },
    latest: () => latest,
    async flush() {
      await queue;
    },
    async stop() {
      if (timer !== undefined) clearInterval(timer);
      await queue;
    },
  };
}

/** A failed scheduled signature: `schedule`'s queue told `onError` and reset the size to sign again. */
function reportedByQueue(): void {}
