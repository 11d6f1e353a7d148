/**
 * SQLite storage of the audit log: entries (canonical bytes and leaf hash, plus a few columns copied out
 * for filtering), the perfect subtree hashes of the Merkle tree (so proofs cost O(log n) reads), and the
 * signed tree heads. WAL with `synchronous = FULL`: an append's commit is on disk before it returns, so it
 * survives a kill -9 of the process and a power cut.
 */
import type { Database as SqliteDatabase } from 'better-sqlite3';
import { and, asc, count, desc, eq, gt, gte, lt, max } from 'drizzle-orm';
import type { SQL } from 'drizzle-orm';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import {
  auditEntries,
  auditNodes,
  auditTreeHeads,
  openDatabase,
  placeholder,
  prepareRendered,
} from '../../schema/db/index.ts';
import { AuditError } from './errors.ts';

/** The columns of an entry row, under the names the audit log uses. */
const ENTRY_COLUMNS = {
  sequence: auditEntries.sequence,
  decision_id: auditEntries.decisionId,
  at: auditEntries.at,
  principal_id: auditEntries.principalId,
  action: auditEntries.action,
  effect: auditEntries.effect,
  entry: auditEntries.entry,
  leaf_hash: auditEntries.leafHash,
};

/** The columns of a tree head row. */
const TREE_HEAD_COLUMNS = {
  size: auditTreeHeads.size,
  root_hash: auditTreeHeads.rootHash,
  at: auditTreeHeads.at,
  kid: auditTreeHeads.kid,
  signature: auditTreeHeads.signature,
};

/** One entry row. */
export interface EntryRow {
  sequence: number;
  decision_id: string;
  at: string;
  principal_id: string;
  action: string;
  effect: string;
  entry: Buffer;
  leaf_hash: Buffer;
}

/** One signed tree head row. */
export interface TreeHeadRow {
  size: number;
  root_hash: string;
  at: string;
  kid: string;
  signature: string;
}

/** Filters of `list`. */
export interface EntryFilter {
  principalId?: string;
  action?: string;
  effect?: string;
  /** Inclusive lower bound on the decision time (ISO-8601). */
  from?: string;
  /** Exclusive upper bound on the decision time (ISO-8601). */
  to?: string;
}

/** Open options of the store. */
export interface AuditStoreOptions {
  /**
   * Open an existing log without creating or writing anything (verification and export while a gateway
   * writes). The handle is opened read-write at the SQLite level so WAL recovery works, but no statement
   * that writes is prepared.
   */
  readonly?: boolean;
  /**
   * `FULL` (default) syncs the WAL on every commit: durable across power loss. `NORMAL` is durable across a
   * process crash (kill -9) but not a power cut, and several times faster.
   */
  synchronous?: 'FULL' | 'NORMAL';
}

/** The audit log's queries (drizzle; an append is group-committed, so its cost is per batch of decisions). */
function auditQueries(db: BetterSQLite3Database) {
  const entriesWhere = (where: SQL | undefined) =>
    db.select(ENTRY_COLUMNS).from(auditEntries).where(where).orderBy(asc(auditEntries.sequence));
  return {
    insertEntry: (row: EntryRow) =>
      db
        .insert(auditEntries)
        .values({
          sequence: row.sequence,
          decisionId: row.decision_id,
          at: row.at,
          principalId: row.principal_id,
          action: row.action,
          effect: row.effect,
          entry: row.entry,
          leafHash: row.leaf_hash,
        })
        .run(),
    insertNode: (level: number, idx: number, hash: Uint8Array) =>
      db
        .insert(auditNodes)
        .values({ level, idx, hash: Buffer.from(hash) })
        .onConflictDoUpdate({ target: [auditNodes.level, auditNodes.idx], set: { hash: Buffer.from(hash) } })
        .run(),
    insertTreeHead: (row: TreeHeadRow) =>
      db
        .insert(auditTreeHeads)
        .values({
          size: row.size,
          rootHash: row.root_hash,
          at: row.at,
          kid: row.kid,
          signature: row.signature,
        })
        .onConflictDoNothing()
        .run(),
    entry: (sequence: number): EntryRow | undefined =>
      entriesWhere(eq(auditEntries.sequence, sequence)).get(),
    leafHash: (sequence: number): Buffer | undefined =>
      db
        .select({ leafHash: auditEntries.leafHash })
        .from(auditEntries)
        .where(eq(auditEntries.sequence, sequence))
        .get()?.leafHash,
    node: (level: number, idx: number): Buffer | undefined =>
      db
        .select({ hash: auditNodes.hash })
        .from(auditNodes)
        .where(and(eq(auditNodes.level, level), eq(auditNodes.idx, idx)))
        .get()?.hash,
    treeHeads: (): TreeHeadRow[] =>
      db.select(TREE_HEAD_COLUMNS).from(auditTreeHeads).orderBy(asc(auditTreeHeads.size)).all(),
    latestTreeHead: (): TreeHeadRow | undefined =>
      db.select(TREE_HEAD_COLUMNS).from(auditTreeHeads).orderBy(desc(auditTreeHeads.size)).limit(1).get(),
    latestSequence: (): number | undefined =>
      db
        .select({ last: max(auditEntries.sequence) })
        .from(auditEntries)
        .get()?.last ?? undefined,
    count: (): number => db.select({ n: count() }).from(auditEntries).get()?.n ?? 0,
    list: (filter: EntryFilter, afterSequence: number, limit: number): EntryRow[] =>
      entriesWhere(
        and(
          gt(auditEntries.sequence, afterSequence),
          filter.principalId === undefined ? undefined : eq(auditEntries.principalId, filter.principalId),
          filter.action === undefined ? undefined : eq(auditEntries.action, filter.action),
          filter.effect === undefined ? undefined : eq(auditEntries.effect, filter.effect),
          filter.from === undefined ? undefined : gte(auditEntries.at, filter.from),
          filter.to === undefined ? undefined : lt(auditEntries.at, filter.to),
        ),
      )
        .limit(limit)
        .all(),
  };
}

/** Typed statements over one audit database. */
export type AuditStore = ReturnType<typeof openAuditStore>;

/**
 * Open (creating if needed) the audit database at `file`.
 *
 * @throws AuditError `STORAGE` when the file cannot be opened or is not an audit database.
 */
export function openAuditStore(file: string, options: AuditStoreOptions = {}) {
  const readonly = options.readonly ?? false;
  let opened: { db: BetterSQLite3Database; sqlite: SqliteDatabase };
  try {
    opened = openDatabase(file, 'audit', { readonly, synchronous: options.synchronous ?? 'FULL' });
  } catch (error) {
    throw new AuditError('STORAGE', 'cannot open the audit database', { cause: error, context: { file } });
  }
  const database = opened.sqlite;
  const queries = auditQueries(opened.db);
  // Streamed (verification reads the whole log): drizzle has no iterator, so its SQL runs as a statement.
  const rangeStatement = prepareRendered(
    database,
    opened.db
      .select(ENTRY_COLUMNS)
      .from(auditEntries)
      .where(
        and(gte(auditEntries.sequence, placeholder('from')), lt(auditEntries.sequence, placeholder('to'))),
      )
      .orderBy(asc(auditEntries.sequence)),
    ['from', 'to'],
  );
  const writable = (): void => {
    if (readonly) throw new AuditError('STORAGE', 'the audit database is open read-only');
  };

  return {
    db: database,
    /** Append entries and the subtree nodes they complete, atomically (one commit, one fsync). */
    appendEntries: database.transaction(
      (rows: readonly EntryRow[], nodes: readonly { level: number; index: number; hash: Uint8Array }[]) => {
        writable();
        for (const row of rows) queries.insertEntry(row);
        for (const node of nodes) queries.insertNode(node.level, node.index, node.hash);
      },
    ),
    insertTreeHead: (row: TreeHeadRow) => {
      writable();
      return queries.insertTreeHead(row);
    },
    entry: queries.entry,
    leafHash: queries.leafHash,
    node: queries.node,
    nextSequence: () => (queries.latestSequence() ?? -1) + 1,
    count: () => queries.count(),
    /** Entries in [from, to) in sequence order, streamed. */
    iterate: (from: number, to: number) => rangeStatement.iterate(from, to) as IterableIterator<EntryRow>,
    treeHeads: queries.treeHeads,
    latestTreeHead: queries.latestTreeHead,
    /** One page of entries after `afterSequence` matching `filter`, at most `limit`. */
    list: queries.list,
    close: () => database.close(),
  };
}
