import { asc, desc, eq, inArray, max, sql } from 'drizzle-orm';
import { contractVersions, openDatabase } from '../../schema/db/index.ts';
import { canonicalJson } from './canonical-json.ts';
import { ContractChangeRejectedError } from './errors.ts';
import type { HostConfig, PartnerContract } from './schema.ts';
import { parseContract } from './validate.ts';
import type { VersionedContract } from './validate.ts';

/** Where a contract version came from: a contracts folder, or the `upsertContract` mutation. */
export type ContractSource = 'file' | 'api';

/** A stored contract version. `sequence` orders every change across all partners. */
export interface RegisteredContract extends VersionedContract {
  sequence: number;
  source: ContractSource;
  /** Who made the change (a principal id), if known. */
  actor: string | null;
  recordedAt: string;
}

/** A contract change, handed to every change listener before it takes effect (wire it to the audit log). */
export interface ContractChange {
  partnerId: string;
  previousVersion: string | null;
  version: string;
  source: ContractSource;
  actor: string | null;
  at: string;
}

/** Called before a change is stored; if it throws or rejects, the change is not stored. */
export type ContractChangeListener = (change: ContractChange) => void | Promise<void>;

/** The outcome of an upsert: `changed` is false when the content equals the current version. */
export interface UpsertResult {
  changed: boolean;
  current: RegisteredContract;
  previousVersion: string | null;
}

/** Every version of every partner contract, named by content hash, in SQLite. */
export interface ContractRegistry {
  /** Validates and stores `contract` as the partner's current version, unless it is already current. */
  upsert(
    contract: unknown,
    source: ContractSource,
    options?: { actor?: string; host?: HostConfig; at?: Date },
  ): Promise<UpsertResult>;
  /** The partner's current contract, or undefined. */
  current(partnerId: string): RegisteredContract | undefined;
  /** Every version the partner has had, oldest first (a re-activated version appears again). */
  versions(partnerId: string): RegisteredContract[];
  /** The current contract of every partner, by partner id. */
  all(): RegisteredContract[];
  /** Adds a change listener; returns a function that removes it. */
  onChange(listener: ContractChangeListener): () => void;
  close(): void;
}

type ContractRow = typeof contractVersions.$inferSelect;

function deepFreeze<Value>(value: Value): Value {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const member of Object.values(value as Record<string, unknown>)) deepFreeze(member);
  }
  return value;
}

/** Rows become frozen values: a contract version never changes, and callers share them. */
function toRegistered(row: ContractRow): RegisteredContract {
  return deepFreeze({
    sequence: row.sequence,
    version: row.version,
    contract: JSON.parse(row.body) as PartnerContract,
    source: row.source,
    actor: row.actor,
    recordedAt: row.recordedAt,
  });
}

/**
 * Opens (creating if needed) the contract registry at `dbPath`. Every change is offered to the change
 * listeners first — the gateway wires one to the audit log — and stored only if they all succeed, so no
 * contract takes effect without its audit entry.
 *
 * @example
 * const registry = createContractRegistry('data/contracts.db', { onChange: (change) => audit.appendChange(change) });
 * for (const { contract } of loadContracts('examples/contracts').contracts) await registry.upsert(contract, 'file');
 */
export function createContractRegistry(
  dbPath: string,
  options: { onChange?: ContractChangeListener } = {},
): ContractRegistry {
  const { db, sqlite } = openDatabase(dbPath, 'contracts', { busyTimeoutMs: 10_000, synchronous: 'FULL' });
  const t = contractVersions;
  const selectCurrent = db
    .select()
    .from(t)
    .where(eq(t.partnerId, sql.placeholder('partnerId')))
    .orderBy(desc(t.sequence))
    .limit(1)
    .prepare();
  const currentOf = (partnerId: string): ContractRow | undefined => selectCurrent.get({ partnerId });
  const versionsOf = (partnerId: string): ContractRow[] =>
    db.select().from(t).where(eq(t.partnerId, partnerId)).orderBy(asc(t.sequence)).all();
  const heads = (): ContractRow[] =>
    db
      .select()
      .from(t)
      .where(
        inArray(
          t.sequence,
          db
            .select({ head: max(t.sequence) })
            .from(t)
            .groupBy(t.partnerId),
        ),
      )
      .orderBy(asc(t.partnerId))
      .all();
  // Store only if nobody else changed the partner's head in between (another process on the same file).
  const insertIfHeadUnchanged = sqlite.transaction(
    (row: Omit<ContractRow, 'sequence'>, expectedHead: string | null) => {
      const head = currentOf(row.partnerId)?.version ?? null;
      if (head !== expectedHead) return false;
      db.insert(t).values(row).run();
      return true;
    },
  );

  // current() runs on every request, so heads are cached until the file changes. `data_version` moves
  // when another connection commits; this connection's own commits clear the cache in store().
  const cachedHeads = new Map<string, RegisteredContract | undefined>();
  let cachedDataVersion: unknown;
  const readDataVersion = sqlite.prepare('PRAGMA data_version').pluck();
  function cachedHead(partnerId: string): RegisteredContract | undefined {
    const dataVersion = readDataVersion.get();
    if (dataVersion !== cachedDataVersion) {
      cachedHeads.clear();
      cachedDataVersion = dataVersion;
    }
    if (cachedHeads.has(partnerId)) return cachedHeads.get(partnerId);
    const row = currentOf(partnerId);
    const head = row === undefined ? undefined : toRegistered(row);
    cachedHeads.set(partnerId, head);
    return head;
  }

  const listeners = new Set<ContractChangeListener>();
  if (options.onChange) listeners.add(options.onChange);
  // One change at a time per registry, so listeners see changes in the order they are stored.
  let queue: Promise<unknown> = Promise.resolve();

  async function store(
    versioned: VersionedContract,
    source: ContractSource,
    actor: string | null,
    at: Date,
  ): Promise<UpsertResult> {
    const { contract, version } = versioned;
    for (;;) {
      const head = currentOf(contract.partnerId);
      const previousVersion = head?.version ?? null;
      if (head !== undefined && previousVersion === version) {
        return { changed: false, current: toRegistered(head), previousVersion };
      }
      const change: ContractChange = {
        partnerId: contract.partnerId,
        previousVersion,
        version,
        source,
        actor,
        at: at.toISOString(),
      };
      try {
        for (const listener of listeners) await listener(change);
      } catch (error: unknown) {
        throw new ContractChangeRejectedError(contract.partnerId, version, { cause: error });
      }
      const row = {
        partnerId: contract.partnerId,
        version,
        body: canonicalJson(contract),
        source,
        actor,
        recordedAt: at.toISOString(),
      };
      const inserted = insertIfHeadUnchanged.immediate(row, previousVersion);
      cachedHeads.clear();
      if (inserted) {
        const stored = currentOf(contract.partnerId);
        if (stored === undefined) throw new Error('contract registry: stored row vanished');
        return { changed: true, current: toRegistered(stored), previousVersion };
      }
      // The head moved under us (another process): audit the change again against the new head.
    }
  }

  return {
    async upsert(contract, source, upsertOptions = {}) {
      const versioned = parseContract(contract, { host: upsertOptions.host });
      const result = queue.then(() =>
        store(versioned, source, upsertOptions.actor ?? null, upsertOptions.at ?? new Date()),
      );
      // The caller gets the failure through `result`; the queue only keeps changes in order.
      queue = result.then(
        () => undefined,
        () => undefined,
      );
      return result;
    },
    current(partnerId) {
      return cachedHead(partnerId);
    },
    versions(partnerId) {
      return versionsOf(partnerId).map(toRegistered);
    },
    all() {
      return heads().map(toRegistered);
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close() {
      sqlite.close();
    },
  };
}
