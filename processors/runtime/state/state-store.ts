/**
 * Keyed processor state in one SQLite file (tables: schema/db/state-tables.ts): key-value rows by partition
 * key, event-time timers, the input offsets, meta values (watermark, counters) and the outbox of outputs still
 * to produce.
 *
 * Everything a batch changes is written in ONE transaction (`transaction(fn)`): state rows, timers, the next
 * input offsets and the outputs the batch made. A crash either keeps all of it or none of it, so a restarted
 * processor resumes at exactly the offsets its state reflects, and re-sends only outputs it had not yet
 * confirmed (their deterministic ids let downstream recognise a re-send as a duplicate).
 *
 * Inside a transaction every write goes to the write buffer (write-buffer.ts) and reaches the file at commit,
 * just before the COMMIT; reads merge the buffer over the file (read-your-writes), and a savepoint is a mark in
 * the buffer. Timers are read through timer-reads.ts. Outside a transaction every call is its own statement.
 */
import fs from 'node:fs';
import path from 'node:path';
import { asc, eq, sql } from 'drizzle-orm';
import { inputOffsets, openDatabase, outbox, stateMeta } from '../../../schema/db/index.ts';
import type { DatabaseKind, SqliteDatabase } from '../../../schema/db/index.ts';
import { partitionKey } from '../partition-key.ts';
import { prepareStateStatements } from './state-statements.ts';
import { createTimerReads } from './timer-reads.ts';
import { compareText, createWriteBuffer, timerId } from './write-buffer.ts';
import type { OutboxEntry, StoredOffset, StoredTimer } from './state-types.ts';

export type { OutboxEntry, StoredOffset, StoredTimer } from './state-types.ts';

/** The SQLite-backed state of one processor task (one input partition number). */
export interface StateStore {
  readonly file: string;
  /** Run `fn` in one SQLite transaction (nested calls join the outer one). */
  transaction<T>(fn: () => T): T;
  /**
   * Run `fn` inside the current transaction so that a throw undoes only its own writes. `ownTables`: also its
   * writes to tables of the processor's own in {@link StateStore.database} (a SQL SAVEPOINT; otherwise a mark
   * in the write buffer, which costs no SQL).
   */
  savepoint<T>(fn: () => T, options?: { ownTables?: boolean }): T;
  /** The SQLite database, for a processor's own tables (written inside the store's transactions). */
  readonly database: SqliteDatabase;
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
  offsets(): StoredOffset[];
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
  /** Owner-only file and folder (0600 and 0700): the state holds identity links (ingest). */
  private?: boolean;
  /** The kind of database (default `state`; ingest's file is `ingest`: the same tables and its own). */
  kind?: Extract<DatabaseKind, 'state' | 'ingest'>;
}

/** The highest code point: names sharing a prefix sort between the prefix and the prefix followed by it. */
const HIGHEST = '\u{10FFFF}';

function inPrefix(name: string, prefix: string): boolean {
  return name.startsWith(prefix) && compareText(name, `${prefix}${HIGHEST}`) < 0;
}

function assertText(value: unknown, what: string): asserts value is string {
  if (typeof value !== 'string') throw new TypeError(`state store: ${what} must be a string`);
}

function checkedTimer(timer: StoredTimer): StoredTimer {
  assertText(timer.key, 'a timer key');
  assertText(timer.name, 'a timer name');
  if (typeof timer.time !== 'number' || Number.isNaN(timer.time))
    throw new TypeError('state store: a timer time must be a number');
  return { time: timer.time, key: timer.key, name: timer.name };
}

/** Transactions are synchronous: a promise would resolve after the commit. */
function notPromise<T>(result: T): T {
  if (typeof (result as { then?: unknown } | null | undefined)?.then === 'function')
    throw new TypeError('state store: a transaction function cannot return a promise');
  return result;
}

function toJson(value: unknown, what: string): string {
  const json = JSON.stringify(value) as string | undefined;
  if (json === undefined) throw new TypeError(`state store: ${what} has no JSON form`);
  return json;
}

const parse = <T>(json: string | null | undefined): T | undefined =>
  json === null || json === undefined ? undefined : (JSON.parse(json) as T);

/**
 * Open (creating or upgrading if needed) the state store at `file`.
 *
 * @example
 * const store = openStateStore(path.join(stateDir, 'segments', 'p-0.sqlite'));
 * store.transaction(() => store.put(subjectId, 'hits', hits));
 */
export function openStateStore(file: string, options: StateStoreOptions = {}): StateStore {
  if (options.private !== true) fs.mkdirSync(path.dirname(file), { recursive: true });
  const { db, sqlite } = openDatabase(file, options.kind ?? 'state', {
    private: options.private === true,
    synchronous: options.synchronous ?? 'NORMAL',
  });
  const sql$ = prepareStateStatements(db, sqlite);
  let open = false;
  const timerReads = createTimerReads(sql$);
  const buffer = createWriteBuffer(() => timerReads.storedTimerRestored());
  timerReads.attach(buffer);

  const namesOf = (key: string, prefix: string): string[] => {
    const stored = sql$.names.all(key, prefix, `${prefix}${HIGHEST}`) as string[];
    const writes = open ? buffer.rows.get(key) : undefined;
    if (writes === undefined || writes.size === 0) return stored;
    const names = new Set(stored);
    for (const [name, json] of writes) {
      if (!inPrefix(name, prefix)) continue;
      if (json === null) names.delete(name);
      else names.add(name);
    }
    return [...names].sort(compareText);
  };

  const writeOutOfTransaction = (write: () => void): void => void transaction(write);

  const flush = (): void => {
    for (const [key, writes] of buffer.rows) {
      for (const [name, json] of writes) {
        if (json === null) sql$.deleteRow.run(key, name);
        else sql$.putRow.run(key, name, json);
      }
    }
    for (const timer of buffer.removedTimers.values())
      sql$.cancelTimer.run(timer.time, timer.key, timer.name);
    for (const timer of buffer.addedTimers.values())
      sql$.registerTimer.run(timer.time, timer.key, timer.name);
    for (const [name, value] of buffer.meta) {
      db.insert(stateMeta)
        .values({ name, value })
        .onConflictDoUpdate({ target: stateMeta.name, set: { value } })
        .run();
    }
    for (const { topic, partition, offset } of buffer.offsets.values()) {
      db.insert(inputOffsets)
        .values({ topic, partition, nextOffset: offset })
        .onConflictDoUpdate({
          target: [inputOffsets.topic, inputOffsets.partition],
          set: { nextOffset: offset },
        })
        .run();
    }
    if (buffer.storedConfirmedUpTo > Number.NEGATIVE_INFINITY)
      db.delete(outbox)
        .where(sql`${outbox.sequence} <= ${buffer.storedConfirmedUpTo}`)
        .run();
    // Confirmed entries are inserted too, so that the sequence moves past them as it would have.
    for (const entry of buffer.outbox) {
      sql$.insertOutbox.run(
        entry.sequence,
        entry.topic,
        entry.key,
        entry.value,
        entry.outputId,
        entry.partition,
      );
    }
    // Confirming a buffered entry confirmed every stored one too (their sequences are lower).
    if (buffer.bufferedConfirmed > 0) {
      const upTo = buffer.outbox[buffer.bufferedConfirmed - 1]!.sequence;
      db.delete(outbox)
        .where(sql`${outbox.sequence} <= ${upTo}`)
        .run();
    }
  };

  const transaction = <T>(fn: () => T): T => {
    if (open) return fn();
    sql$.begin.run();
    open = true;
    timerReads.begin();
    try {
      const result = notPromise(fn());
      if (!sqlite.inTransaction) throw new Error('state store: SQLite rolled the transaction back');
      flush();
      sql$.commit.run();
      timerReads.committed();
      return result;
    } catch (error) {
      if (sqlite.inTransaction) sql$.rollback.run();
      timerReads.rolledBack();
      throw error;
    } finally {
      open = false;
      buffer.clear();
    }
  };

  const lastSequence = (): number =>
    db.get<{ last: number | null }>(
      sql`SELECT MAX(seq) AS last FROM (SELECT seq FROM sqlite_sequence WHERE name = 'outbox' UNION ALL SELECT MAX(${outbox.sequence}) FROM ${outbox})`,
    ).last ?? 0;

  const storedPending = (): OutboxEntry[] =>
    db
      .select({
        sequence: outbox.sequence,
        topic: outbox.topic,
        key: outbox.key,
        value: outbox.value,
        outputId: outbox.outputId,
        partition: outbox.partition,
      })
      .from(outbox)
      .orderBy(asc(outbox.sequence))
      .all();

  const storedOffsets = (): StoredOffset[] =>
    db
      .select({
        topic: inputOffsets.topic,
        partition: inputOffsets.partition,
        offset: inputOffsets.nextOffset,
      })
      .from(inputOffsets)
      .orderBy(asc(inputOffsets.topic), asc(inputOffsets.partition))
      .all();

  const store: StateStore = {
    file,
    database: sqlite,
    transaction,
    savepoint(fn, savepointOptions = {}) {
      if (!open) return transaction(fn);
      const ownTables = savepointOptions.ownTables === true;
      const mark = buffer.mark();
      if (ownTables) sql$.savepoint.run();
      let result: ReturnType<typeof fn>;
      try {
        result = notPromise(fn());
      } catch (error) {
        buffer.rollback(mark);
        if (ownTables && sqlite.inTransaction) {
          sql$.rollbackToSavepoint.run();
          sql$.releaseSavepoint.run();
        }
        throw error;
      }
      buffer.release(mark);
      if (ownTables) sql$.releaseSavepoint.run();
      return result;
    },
    get(key, name) {
      if (open) {
        const json = buffer.rows.get(key)?.get(name);
        if (json !== undefined) return parse(json);
      }
      return parse(sql$.getRow.get(key, name) as string | undefined);
    },
    put(key, name, value) {
      const json = toJson(value, `the value of ${name}`);
      assertText(key, 'a key');
      assertText(name, 'a name');
      if (!open) return writeOutOfTransaction(() => buffer.writeRow(key, name, json));
      buffer.writeRow(key, name, json);
    },
    delete(key, name) {
      assertText(key, 'a key');
      assertText(name, 'a name');
      if (!open) return writeOutOfTransaction(() => buffer.writeRow(key, name, null));
      buffer.writeRow(key, name, null);
    },
    deletePrefix(key, prefix) {
      if (!open) return void sql$.deleteRange.run(key, prefix, `${prefix}${HIGHEST}`);
      for (const name of namesOf(key, prefix)) buffer.writeRow(key, name, null);
    },
    deleteKey(key) {
      if (!open) {
        sql$.deleteKeyRows.run(key);
        sql$.deleteKeyTimers.run(key);
        return;
      }
      for (const name of namesOf(key, '')) buffer.writeRow(key, name, null);
      for (const [id, timer] of buffer.addedTimers)
        if (timer.key === key) buffer.setTimer(id, timer, false, false);
      for (const timer of sql$.timersOfKey.all(key) as StoredTimer[]) {
        const id = timerId(timer);
        if (!buffer.removedTimers.has(id)) buffer.setTimer(id, timer, false, true);
      }
    },
    names: (key, prefix = '') => namesOf(key, prefix),
    keys() {
      const stored = sql$.keys.all() as string[];
      if (!open || buffer.rows.size === 0) return stored;
      const keys = new Set(stored);
      for (const key of buffer.rows.keys()) {
        if (namesOf(key, '').length > 0) keys.add(key);
        else keys.delete(key);
      }
      return [...keys].sort(compareText);
    },
    registerTimer(timer) {
      const checked = checkedTimer(timer);
      if (!open) return writeOutOfTransaction(() => store.registerTimer(checked));
      const id = timerId(checked);
      if (buffer.addedTimers.has(id)) return;
      if (buffer.removedTimers.has(id)) buffer.setTimer(id, buffer.removedTimers.get(id)!, false, false);
      else if (!timerReads.storedTimerExists(checked)) buffer.setTimer(id, checked, true, false);
    },
    cancelTimer(timer) {
      const checked = checkedTimer(timer);
      if (!open) return void sql$.cancelTimer.run(checked.time, checked.key, checked.name);
      const id = timerId(checked);
      const added = buffer.addedTimers.get(id);
      if (added !== undefined) buffer.setTimer(id, added, false, false);
      else if (!buffer.removedTimers.has(id) && timerReads.storedTimerExists(checked))
        buffer.setTimer(id, checked, false, true);
    },
    nextDueTimer: (watermark) => timerReads.nextDue(watermark, open),
    timerCount() {
      const stored = sql$.timerCount.get() as number;
      return open ? stored - buffer.removedTimers.size + buffer.addedTimers.size : stored;
    },
    offsets() {
      const stored = storedOffsets();
      if (!open || buffer.offsets.size === 0) return stored;
      const merged = new Map(stored.map((row) => [partitionKey(row), row]));
      for (const [id, row] of buffer.offsets) merged.set(id, { ...row });
      return [...merged.values()].sort((a, b) => compareText(a.topic, b.topic) || a.partition - b.partition);
    },
    setOffset(topic, partition, offset) {
      assertText(topic, 'a topic');
      if (!Number.isInteger(partition) || !Number.isInteger(offset))
        throw new TypeError('state store: a partition and an offset must be integers');
      const id = partitionKey({ topic, partition });
      if (!open) return writeOutOfTransaction(() => buffer.setOffset(id, { topic, partition, offset }));
      buffer.setOffset(id, { topic, partition, offset });
    },
    getMeta(name) {
      if (open) {
        const json = buffer.meta.get(name);
        if (json !== undefined) return parse(json);
      }
      return parse(
        db.select({ value: stateMeta.value }).from(stateMeta).where(eq(stateMeta.name, name)).get()?.value,
      );
    },
    setMeta(name, value) {
      const json = toJson(value, `meta ${name}`);
      assertText(name, 'a meta name');
      if (!open) return writeOutOfTransaction(() => buffer.setMeta(name, json));
      buffer.setMeta(name, json);
    },
    appendOutbox(entry) {
      assertText(entry.topic, 'an output topic');
      assertText(entry.value, 'an output value');
      assertText(entry.outputId, 'an output id');
      if (entry.key !== null) assertText(entry.key, 'an output key');
      if (entry.partition !== null && !Number.isInteger(entry.partition))
        throw new TypeError('state store: an output partition must be an integer or null');
      if (!open) return writeOutOfTransaction(() => store.appendOutbox(entry));
      buffer.nextSequence ??= lastSequence() + 1;
      buffer.outbox.push({ ...entry, sequence: buffer.nextSequence });
      buffer.nextSequence += 1;
    },
    pendingOutbox() {
      const stored = storedPending();
      if (!open) return stored;
      return [
        ...stored.filter((entry) => entry.sequence > buffer.storedConfirmedUpTo),
        ...buffer.outbox.slice(buffer.bufferedConfirmed).map((entry) => ({ ...entry })),
      ];
    },
    confirmOutbox(upToSequence) {
      if (typeof upToSequence !== 'number' || Number.isNaN(upToSequence))
        throw new TypeError('state store: a sequence must be a number');
      if (!open)
        return void db
          .delete(outbox)
          .where(sql`${outbox.sequence} <= ${upToSequence}`)
          .run();
      buffer.storedConfirmedUpTo = Math.max(buffer.storedConfirmedUpTo, upToSequence);
      while (
        buffer.bufferedConfirmed < buffer.outbox.length &&
        buffer.outbox[buffer.bufferedConfirmed]!.sequence <= upToSequence
      )
        buffer.bufferedConfirmed += 1;
    },
    close: () => sqlite.close(),
  };
  return store;
}
