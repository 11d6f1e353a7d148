/**
 * SQLite storage of the audit log: entries (canonical bytes and leaf hash, plus a few columns copied out
 * for filtering), the perfect subtree hashes of the Merkle tree (so proofs cost O(log n) reads), and the
 * signed tree heads. WAL with `synchronous = FULL`: an append's commit is on disk before it returns, so it
 * survives a kill -9 of the process and a power cut.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Database as SqliteDatabase, Statement } from 'better-sqlite3';
import { AuditError } from './errors.ts';

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

const SCHEMA = `
CREATE TABLE IF NOT EXISTS audit_entries (
  sequence INTEGER PRIMARY KEY,
  decision_id TEXT NOT NULL,
  at TEXT NOT NULL,
  principal_id TEXT NOT NULL,
  action TEXT NOT NULL,
  effect TEXT NOT NULL,
  entry BLOB NOT NULL,
  leaf_hash BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_entries_by_principal ON audit_entries (principal_id, sequence);
CREATE TABLE IF NOT EXISTS audit_nodes (
  level INTEGER NOT NULL,
  idx INTEGER NOT NULL,
  hash BLOB NOT NULL,
  PRIMARY KEY (level, idx)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS audit_tree_heads (
  size INTEGER PRIMARY KEY,
  root_hash TEXT NOT NULL,
  at TEXT NOT NULL,
  kid TEXT NOT NULL,
  signature TEXT NOT NULL
);
`;

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

function prepareStatements(db: SqliteDatabase, readonly: boolean) {
  const write = <T>(make: () => T): T | undefined => (readonly ? undefined : make());
  return {
    insertEntry: write(() =>
      db.prepare<[EntryRow], void>(
        `INSERT INTO audit_entries (sequence, decision_id, at, principal_id, action, effect, entry, leaf_hash)
         VALUES (@sequence, @decision_id, @at, @principal_id, @action, @effect, @entry, @leaf_hash)`,
      ),
    ),
    insertNode: write(() =>
      db.prepare<[number, number, Uint8Array], void>(
        'INSERT OR REPLACE INTO audit_nodes (level, idx, hash) VALUES (?, ?, ?)',
      ),
    ),
    insertTreeHead: write(() =>
      db.prepare<[TreeHeadRow], void>(
        `INSERT OR IGNORE INTO audit_tree_heads (size, root_hash, at, kid, signature)
         VALUES (@size, @root_hash, @at, @kid, @signature)`,
      ),
    ),
    entry: db.prepare<[number], EntryRow>('SELECT * FROM audit_entries WHERE sequence = ?'),
    leafHash: db.prepare<[number], Buffer>('SELECT leaf_hash FROM audit_entries WHERE sequence = ?').pluck(),
    node: db
      .prepare<[number, number], Buffer>('SELECT hash FROM audit_nodes WHERE level = ? AND idx = ?')
      .pluck(),
    nextSequence: db.prepare<[], number>('SELECT COALESCE(MAX(sequence) + 1, 0) FROM audit_entries').pluck(),
    count: db.prepare<[], number>('SELECT COUNT(*) FROM audit_entries').pluck(),
    range: db.prepare<[number, number], EntryRow>(
      'SELECT * FROM audit_entries WHERE sequence >= ? AND sequence < ? ORDER BY sequence',
    ),
    treeHeads: db.prepare<[], TreeHeadRow>('SELECT * FROM audit_tree_heads ORDER BY size'),
    latestTreeHead: db.prepare<[], TreeHeadRow>('SELECT * FROM audit_tree_heads ORDER BY size DESC LIMIT 1'),
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
  let db: SqliteDatabase | undefined;
  let statements: ReturnType<typeof prepareStatements>;
  try {
    if (!readonly) fs.mkdirSync(path.dirname(file), { recursive: true });
    db = new Database(file, { fileMustExist: readonly });
    db.pragma('busy_timeout = 5000');
    if (!readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
      db.exec(SCHEMA);
    }
    statements = prepareStatements(db, readonly);
  } catch (error) {
    db?.close();
    throw new AuditError('STORAGE', 'cannot open the audit database', { cause: error, context: { file } });
  }
  const database = db;
  const listStatements = new Map<string, Statement<[Record<string, unknown>], EntryRow>>();

  function writable<T>(statement: T | undefined): T {
    if (statement === undefined) throw new AuditError('STORAGE', 'the audit database is open read-only');
    return statement;
  }

  return {
    db: database,
    /** Append entries and the subtree nodes they complete, atomically (one commit, one fsync). */
    appendEntries: database.transaction(
      (rows: readonly EntryRow[], nodes: readonly { level: number; index: number; hash: Uint8Array }[]) => {
        for (const row of rows) writable(statements.insertEntry).run(row);
        for (const node of nodes) writable(statements.insertNode).run(node.level, node.index, node.hash);
      },
    ),
    insertTreeHead: (row: TreeHeadRow) => writable(statements.insertTreeHead).run(row),
    entry: (sequence: number) => statements.entry.get(sequence),
    leafHash: (sequence: number) => statements.leafHash.get(sequence),
    node: (level: number, index: number) => statements.node.get(level, index),
    nextSequence: () => statements.nextSequence.get() ?? 0,
    count: () => statements.count.get() ?? 0,
    /** Entries in [from, to) in sequence order, streamed. */
    iterate: (from: number, to: number) => statements.range.iterate(from, to),
    treeHeads: () => statements.treeHeads.all(),
    latestTreeHead: () => statements.latestTreeHead.get(),
    /** One page of entries after `afterSequence` matching `filter`, at most `limit`. */
    list(filter: EntryFilter, afterSequence: number, limit: number): EntryRow[] {
      const clauses = ['sequence > @after'];
      if (filter.principalId !== undefined) clauses.push('principal_id = @principalId');
      if (filter.action !== undefined) clauses.push('action = @action');
      if (filter.effect !== undefined) clauses.push('effect = @effect');
      if (filter.from !== undefined) clauses.push('at >= @from');
      if (filter.to !== undefined) clauses.push('at < @to');
      const sql = `SELECT * FROM audit_entries WHERE ${clauses.join(' AND ')} ORDER BY sequence LIMIT @limit`;
      // At most 32 filter shapes exist, so the statements are cached by their text.
      let statement = listStatements.get(sql);
      if (statement === undefined) {
        statement = database.prepare<[Record<string, unknown>], EntryRow>(sql);
        listStatements.set(sql, statement);
      }
      const params: Record<string, unknown> = { after: afterSequence, limit };
      for (const [name, value] of Object.entries(filter)) if (value !== undefined) params[name] = value;
      return statement.all(params);
    },
    close: () => database.close(),
  };
}
