/**
 * Keyed processor state in one SQLite file: key-value rows by partition key, event-time timers, the input
 * offsets, per-partition watermarks, counters and the outbox of outputs still to produce.
 *
 * Everything a batch changes is written in ONE transaction (`transaction(fn)`): state rows, timers, the next
 * input offsets and the outputs the batch made. A crash either keeps all of it or none of it, so a restarted
 * processor resumes at exactly the offsets its state reflects, and re-sends only outputs it had not yet
 * confirmed (their deterministic ids let downstream recognise a re-send as a duplicate).
 */
import Database from 'better-sqlite3';
import type { Database as SqliteDatabase } from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';

/** A timer stored in the state store. */
export interface StoredTimer {
  /** Event time (ms) the watermark must reach for the timer to fire. */
  time: number;
  key: string;
  name: string;
}

/** An output persisted with its batch and produced after the transaction commits. */
export interface OutboxEntry {
  sequence: number;
  topic: string;
  key: string | null;
  value: string;
  outputId: string;
  /** A pinned partition, or null to partition by key. */
  partition: number | null;
}

/** The SQLite-backed state of one processor task (one input partition number). */
export interface StateStore {
  readonly file: string;
  /** Run `fn` in one SQLite transaction (nested calls join the outer one). */
  transaction<T>(fn: () => T): T;
  /** Run `fn` inside the current transaction so that a throw undoes only its own writes (a SAVEPOINT). */
  savepoint<T>(fn: () => T): T;
  get<T>(key: string, name: string): T | undefined;
  put(key: string, name: string, value: unknown): void;
  delete(key: string, name: string): void;
  /** Delete the rows of a key whose name starts with `prefix`. */
  deletePrefix(key: string, prefix: string): void;
  /** Delete every row and timer of a key (erasure). */
  deleteKey(key: string): void;
  /** Names stored for a key (those starting with `prefix` when given), sorted. */
  names(key: string, prefix?: string): string[];
  /** Every key with at least one row (for inspection and reference tests). */
  keys(): string[];
  registerTimer(timer: StoredTimer): void;
  cancelTimer(timer: StoredTimer): void;
  /** The earliest timer at or before `watermark`, or undefined. */
  nextDueTimer(watermark: number): StoredTimer | undefined;
  timerCount(): number;
  /** Stored next offsets to read, per topic and partition. */
  offsets(): Array<{ topic: string; partition: number; offset: number }>;
  setOffset(topic: string, partition: number, offset: number): void;
  getMeta<T>(name: string): T | undefined;
  setMeta(name: string, value: unknown): void;
  appendOutbox(entry: Omit<OutboxEntry, 'sequence'>): void;
  /** Outputs not yet confirmed as produced, in the order they were made. */
  pendingOutbox(): OutboxEntry[];
  /** Forget outputs up to and including `sequence` (they were produced). */
  confirmOutbox(upToSequence: number): void;
  close(): void;
}

/** Options of {@link openStateStore}. */
export interface StateStoreOptions {
  /**
   * SQLite `synchronous` level. NORMAL (default) in WAL mode keeps every commit atomic and survives a process
   * kill; a power loss may roll back the last commits, and since offsets, state and outbox roll back together
   * the processor simply re-reads that input and re-sends outputs whose ids downstream already knows. FULL
   * adds an fsync per batch for durability across power loss; OFF only for throwaway test state.
   */
  synchronous?: 'FULL' | 'NORMAL' | 'OFF';
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS state (key TEXT NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (key, name)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS timers (time INTEGER NOT NULL, key TEXT NOT NULL, name TEXT NOT NULL, PRIMARY KEY (time, key, name)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS timers_by_key ON timers (key);
CREATE TABLE IF NOT EXISTS offsets (topic TEXT NOT NULL, partition INTEGER NOT NULL, next_offset INTEGER NOT NULL, PRIMARY KEY (topic, partition)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS outbox (sequence INTEGER PRIMARY KEY AUTOINCREMENT, topic TEXT NOT NULL, key TEXT, value TEXT NOT NULL, output_id TEXT NOT NULL, partition INTEGER);
`;

/**
 * Open (creating if needed) the state store at `file`.
 *
 * @example
 * const store = openStateStore(path.join(stateDir, 'segments', 'p-0.sqlite'));
 * store.transaction(() => store.put(subjectId, 'hits', hits));
 */
export function openStateStore(file: string, options: StateStoreOptions = {}): StateStore {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const db: SqliteDatabase = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${options.synchronous ?? 'NORMAL'}`);
  db.pragma('busy_timeout = 5000');
  db.exec(SCHEMA);

  const statements = {
    get: db.prepare('SELECT value FROM state WHERE key = ? AND name = ?'),
    put: db.prepare(
      'INSERT INTO state (key, name, value) VALUES (?, ?, ?) ON CONFLICT (key, name) DO UPDATE SET value = excluded.value',
    ),
    delete: db.prepare('DELETE FROM state WHERE key = ? AND name = ?'),
    deletePrefix: db.prepare('DELETE FROM state WHERE key = ? AND name >= ? AND name < ?'),
    deleteKeyRows: db.prepare('DELETE FROM state WHERE key = ?'),
    deleteKeyTimers: db.prepare('DELETE FROM timers WHERE key = ?'),
    names: db.prepare('SELECT name FROM state WHERE key = ? AND name >= ? AND name < ? ORDER BY name'),
    keys: db.prepare('SELECT DISTINCT key FROM state ORDER BY key'),
    registerTimer: db.prepare('INSERT OR IGNORE INTO timers (time, key, name) VALUES (?, ?, ?)'),
    cancelTimer: db.prepare('DELETE FROM timers WHERE time = ? AND key = ? AND name = ?'),
    nextDueTimer: db.prepare(
      'SELECT time, key, name FROM timers WHERE time <= ? ORDER BY time, key, name LIMIT 1',
    ),
    timerCount: db.prepare('SELECT COUNT(*) AS n FROM timers'),
    offsets: db.prepare(
      'SELECT topic, partition, next_offset AS offset FROM offsets ORDER BY topic, partition',
    ),
    setOffset: db.prepare(
      'INSERT INTO offsets (topic, partition, next_offset) VALUES (?, ?, ?) ON CONFLICT (topic, partition) DO UPDATE SET next_offset = excluded.next_offset',
    ),
    getMeta: db.prepare('SELECT value FROM meta WHERE name = ?'),
    setMeta: db.prepare(
      'INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value',
    ),
    appendOutbox: db.prepare(
      'INSERT INTO outbox (topic, key, value, output_id, partition) VALUES (?, ?, ?, ?, ?)',
    ),
    pendingOutbox: db.prepare(
      'SELECT sequence, topic, key, value, output_id AS outputId, partition FROM outbox ORDER BY sequence',
    ),
    confirmOutbox: db.prepare('DELETE FROM outbox WHERE sequence <= ?'),
  };

  const readJson = <T>(row: unknown): T | undefined =>
    row === undefined ? undefined : (JSON.parse((row as { value: string }).value) as T);

  return {
    file,
    transaction: (fn) => (db.inTransaction ? fn() : db.transaction(fn).immediate()),
    savepoint: (fn) => db.transaction(fn)(),
    get: (key, name) => readJson(statements.get.get(key, name)),
    put: (key, name, value) => void statements.put.run(key, name, JSON.stringify(value)),
    delete: (key, name) => void statements.delete.run(key, name),
    // Names sharing a prefix sort between the prefix and the prefix followed by the highest code point.
    deletePrefix: (key, prefix) => void statements.deletePrefix.run(key, prefix, `${prefix}\u{10FFFF}`),
    deleteKey: (key) => {
      statements.deleteKeyRows.run(key);
      statements.deleteKeyTimers.run(key);
    },
    names: (key, prefix = '') =>
      (statements.names.all(key, prefix, `${prefix}\u{10FFFF}`) as Array<{ name: string }>).map(
        (row) => row.name,
      ),
    keys: () => (statements.keys.all() as Array<{ key: string }>).map((row) => row.key),
    registerTimer: (timer) => void statements.registerTimer.run(timer.time, timer.key, timer.name),
    cancelTimer: (timer) => void statements.cancelTimer.run(timer.time, timer.key, timer.name),
    nextDueTimer: (watermark) => statements.nextDueTimer.get(watermark) as StoredTimer | undefined,
    timerCount: () => (statements.timerCount.get() as { n: number }).n,
    offsets: () => statements.offsets.all() as Array<{ topic: string; partition: number; offset: number }>,
    setOffset: (topic, partition, offset) => void statements.setOffset.run(topic, partition, offset),
    getMeta: (name) => readJson(statements.getMeta.get(name)),
    setMeta: (name, value) => void statements.setMeta.run(name, JSON.stringify(value)),
    appendOutbox: (entry) =>
      void statements.appendOutbox.run(entry.topic, entry.key, entry.value, entry.outputId, entry.partition),
    pendingOutbox: () => statements.pendingOutbox.all() as OutboxEntry[],
    confirmOutbox: (upToSequence) => void statements.confirmOutbox.run(upToSequence),
    close: () => db.close(),
  };
}
