/**
 * Keyed processor state in one SQLite file: key-value rows by partition key, event-time timers, the input
 * offsets, per-partition watermarks, counters and the outbox of outputs still to produce.
 *
 * Everything a batch changes is written in ONE transaction (`transaction(fn)`): state rows, timers, the next
 * input offsets and the outputs the batch made. A crash either keeps all of it or none of it, so a restarted
 * processor resumes at exactly the offsets its state reflects, and re-sends only outputs it had not yet
 * confirmed (their deterministic ids let downstream recognise a re-send as a duplicate).
 *
 * Inside a transaction every write (rows, timers, meta, offsets, outbox entries) is buffered in memory and
 * written at commit, just before the COMMIT: a batch costs one statement per distinct row it changed rather
 * than one per `put`, and reads merge the buffer over the file (read-your-writes). A savepoint is a mark in
 * the buffer's undo log, so it costs no SQL at all. Outside a transaction every call is its own statement.
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
  /** Owner-only file and folder (0600 and 0700): the state holds identity links (ingest). */
  private?: boolean;
}

/** A stored input offset. */
type StoredOffset = { topic: string; partition: number; offset: number };

/** What a savepoint undoes in the buffer, newest first. */
type Undo =
  | { kind: 'row'; key: string; name: string; previous: string | null | undefined }
  | { kind: 'meta'; name: string; previous: string | undefined }
  | { kind: 'offset'; id: string; previous: StoredOffset | undefined }
  | { kind: 'timer'; id: string; timer: StoredTimer; added: boolean; removed: boolean };

/** An open savepoint: where its changes to the buffer begin. */
interface Frame {
  undoFrom: number;
  outboxLength: number;
  nextSequence: number | undefined;
  storedConfirmedUpTo: number;
  bufferedConfirmed: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS state (key TEXT NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (key, name)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS timers (time INTEGER NOT NULL, key TEXT NOT NULL, name TEXT NOT NULL, PRIMARY KEY (time, key, name)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS timers_by_key ON timers (key);
CREATE TABLE IF NOT EXISTS offsets (topic TEXT NOT NULL, partition INTEGER NOT NULL, next_offset INTEGER NOT NULL, PRIMARY KEY (topic, partition)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS outbox (sequence INTEGER PRIMARY KEY AUTOINCREMENT, topic TEXT NOT NULL, key TEXT, value TEXT NOT NULL, output_id TEXT NOT NULL, partition INTEGER);
`;

/** The highest code point: names sharing a prefix sort between the prefix and the prefix followed by it. */
const HIGHEST = '\u{10FFFF}';

/**
 * Compare strings as SQLite's BINARY collation does (UTF-8 bytes, i.e. code points), which differs from
 * JavaScript's UTF-16 order for surrogate pairs against U+E000..U+FFFF.
 */
function compareText(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let index = 0; index < length; index += 1) {
    const x = a.charCodeAt(index);
    const y = b.charCodeAt(index);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

function codePointRank(unit: number): number {
  if (unit < 0xd800) return unit;
  return unit < 0xe000 ? unit + 0x2000 : unit - 0x800;
}

function inPrefix(name: string, prefix: string): boolean {
  return name.startsWith(prefix) && compareText(name, `${prefix}${HIGHEST}`) < 0;
}

/** The order timers fire in, as the timers table sorts them. */
function timerOrder(a: StoredTimer, b: StoredTimer): number {
  return a.time - b.time || compareText(a.key, b.key) || compareText(a.name, b.name);
}

function timerId(timer: StoredTimer): string {
  return `${timer.time}:${timer.key.length}:${timer.key}${timer.name}`;
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

function prepareStatements(db: SqliteDatabase) {
  return {
    begin: db.prepare('BEGIN IMMEDIATE'),
    commit: db.prepare('COMMIT'),
    rollback: db.prepare('ROLLBACK'),
    savepoint: db.prepare('SAVEPOINT own_tables'),
    rollbackToSavepoint: db.prepare('ROLLBACK TO own_tables'),
    releaseSavepoint: db.prepare('RELEASE own_tables'),
    dataVersion: db.prepare('PRAGMA data_version').pluck(),
    get: db.prepare('SELECT value FROM state WHERE key = ? AND name = ?').pluck(),
    put: db.prepare(
      'INSERT INTO state (key, name, value) VALUES (?, ?, ?) ON CONFLICT (key, name) DO UPDATE SET value = excluded.value',
    ),
    delete: db.prepare('DELETE FROM state WHERE key = ? AND name = ?'),
    deletePrefix: db.prepare('DELETE FROM state WHERE key = ? AND name >= ? AND name < ?'),
    deleteKeyRows: db.prepare('DELETE FROM state WHERE key = ?'),
    deleteKeyTimers: db.prepare('DELETE FROM timers WHERE key = ?'),
    names: db
      .prepare('SELECT name FROM state WHERE key = ? AND name >= ? AND name < ? ORDER BY name')
      .pluck(),
    keys: db.prepare('SELECT DISTINCT key FROM state ORDER BY key').pluck(),
    registerTimer: db.prepare('INSERT OR IGNORE INTO timers (time, key, name) VALUES (?, ?, ?)'),
    cancelTimer: db.prepare('DELETE FROM timers WHERE time = ? AND key = ? AND name = ?'),
    timerExists: db.prepare('SELECT 1 FROM timers WHERE time = ? AND key = ? AND name = ?').pluck(),
    timersOfKey: db.prepare('SELECT time, key, name FROM timers WHERE key = ?'),
    nextDueTimer: db.prepare(
      'SELECT time, key, name FROM timers WHERE time <= ? ORDER BY time, key, name LIMIT 1',
    ),
    firstTimer: db.prepare('SELECT time, key, name FROM timers ORDER BY time, key, name LIMIT 1'),
    timerAfter: db.prepare(
      'SELECT time, key, name FROM timers WHERE (time, key, name) > (?, ?, ?) ORDER BY time, key, name LIMIT 1',
    ),
    timerCount: db.prepare('SELECT COUNT(*) FROM timers').pluck(),
    offsets: db.prepare(
      'SELECT topic, partition, next_offset AS offset FROM offsets ORDER BY topic, partition',
    ),
    setOffset: db.prepare(
      'INSERT INTO offsets (topic, partition, next_offset) VALUES (?, ?, ?) ON CONFLICT (topic, partition) DO UPDATE SET next_offset = excluded.next_offset',
    ),
    getMeta: db.prepare('SELECT value FROM meta WHERE name = ?').pluck(),
    setMeta: db.prepare(
      'INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value',
    ),
    appendOutbox: db.prepare(
      'INSERT INTO outbox (topic, key, value, output_id, partition) VALUES (?, ?, ?, ?, ?)',
    ),
    insertOutbox: db.prepare(
      'INSERT INTO outbox (sequence, topic, key, value, output_id, partition) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    // AUTOINCREMENT's next value: above every sequence ever used, so sequences only grow.
    lastSequence: db
      .prepare(
        "SELECT MAX(seq) FROM (SELECT seq FROM sqlite_sequence WHERE name = 'outbox' UNION ALL SELECT MAX(sequence) FROM outbox)",
      )
      .pluck(),
    pendingOutbox: db.prepare(
      'SELECT sequence, topic, key, value, output_id AS outputId, partition FROM outbox ORDER BY sequence',
    ),
    confirmOutbox: db.prepare('DELETE FROM outbox WHERE sequence <= ?'),
  };
}

/**
 * Open (creating if needed) the state store at `file`.
 *
 * @example
 * const store = openStateStore(path.join(stateDir, 'segments', 'p-0.sqlite'));
 * store.transaction(() => store.put(subjectId, 'hits', hits));
 */
export function openStateStore(file: string, options: StateStoreOptions = {}): StateStore {
  if (options.private === true) {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    if (!fs.existsSync(file)) fs.writeFileSync(file, '', { mode: 0o600 });
    fs.chmodSync(file, 0o600);
  } else fs.mkdirSync(path.dirname(file), { recursive: true });
  const db: SqliteDatabase = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${options.synchronous ?? 'NORMAL'}`);
  db.pragma('busy_timeout = 5000');
  db.exec(SCHEMA);
  const sql = prepareStatements(db);

  // The open transaction's buffer (empty outside one).
  let open = false;
  const rows = new Map<string, Map<string, string | null>>();
  const meta = new Map<string, string>();
  const offsets = new Map<string, StoredOffset>();
  let outbox: OutboxEntry[] = [];
  let nextSequence: number | undefined;
  // Confirmations: stored entries up to a sequence, and how many of the buffered entries (a prefix: a
  // confirmation covers only entries that exist when it is made).
  let storedConfirmedUpTo = Number.NEGATIVE_INFINITY;
  let bufferedConfirmed = 0;
  // Timers: registered ones not in the file, and ones of the file cancelled (never both at once).
  const addedTimers = new Map<string, StoredTimer>();
  const removedTimers = new Map<string, StoredTimer>();
  let earliestAdded: StoredTimer | undefined | null = undefined; // null: to be found again
  // Every stored timer up to this one is in removedTimers, so a look-up for the next one starts after it.
  let storedCursor: StoredTimer | undefined;
  const undo: Undo[] = [];
  const frames: Frame[] = [];

  // No stored timer that counts is earlier than this (a lower bound, so a due-timer query can be skipped).
  // Another connection's commit (data_version) or a cancelled timer coming back makes it unknown again.
  let storedFloor = Number.NEGATIVE_INFINITY;
  let floorAtBegin = storedFloor;
  let dataVersion: unknown;

  const parse = <T>(json: string | null | undefined): T | undefined =>
    json === null || json === undefined ? undefined : (JSON.parse(json) as T);

  const clearBuffer = (): void => {
    rows.clear();
    meta.clear();
    offsets.clear();
    outbox = [];
    nextSequence = undefined;
    storedConfirmedUpTo = Number.NEGATIVE_INFINITY;
    bufferedConfirmed = 0;
    addedTimers.clear();
    removedTimers.clear();
    earliestAdded = undefined;
    storedCursor = undefined;
    undo.length = 0;
    frames.length = 0;
  };

  const writeRow = (key: string, name: string, json: string | null): void => {
    let writes = rows.get(key);
    if (writes === undefined) {
      writes = new Map();
      rows.set(key, writes);
    }
    if (frames.length > 0) undo.push({ kind: 'row', key, name, previous: writes.get(name) });
    writes.set(name, json);
  };

  const namesOf = (key: string, prefix: string): string[] => {
    const stored = sql.names.all(key, prefix, `${prefix}${HIGHEST}`) as string[];
    const writes = open ? rows.get(key) : undefined;
    if (writes === undefined || writes.size === 0) return stored;
    const names = new Set(stored);
    for (const [name, json] of writes) {
      if (!inPrefix(name, prefix)) continue;
      if (json === null) names.delete(name);
      else names.add(name);
    }
    return [...names].sort(compareText);
  };

  const deleteRowsOf = (key: string, prefix: string): void => {
    for (const name of namesOf(key, prefix)) writeRow(key, name, null);
  };

  const applyTimer = (id: string, timer: StoredTimer, added: boolean, removed: boolean): void => {
    if (added) {
      addedTimers.set(id, timer);
      if (earliestAdded !== null && (earliestAdded === undefined || timerOrder(timer, earliestAdded) < 0))
        earliestAdded = timer;
    } else {
      const current = addedTimers.get(id);
      if (current !== undefined) {
        addedTimers.delete(id);
        if (current === earliestAdded) earliestAdded = null;
      }
    }
    if (removed) {
      removedTimers.set(id, timer);
    } else if (removedTimers.delete(id)) {
      // A stored timer counts again: the cursor and the floor may have passed it.
      storedCursor = undefined;
      storedFloor = Number.NEGATIVE_INFINITY;
    }
  };

  const setTimer = (id: string, timer: StoredTimer, added: boolean, removed: boolean): void => {
    if (frames.length > 0) {
      const previous = addedTimers.get(id) ?? removedTimers.get(id) ?? timer;
      undo.push({
        kind: 'timer',
        id,
        timer: previous,
        added: addedTimers.has(id),
        removed: removedTimers.has(id),
      });
    }
    applyTimer(id, timer, added, removed);
  };

  const storedTimerExists = (timer: StoredTimer): boolean =>
    sql.timerExists.get(timer.time, timer.key, timer.name) !== undefined;

  const firstAdded = (): StoredTimer | undefined => {
    if (earliestAdded === null) {
      earliestAdded = undefined;
      for (const timer of addedTimers.values()) {
        if (earliestAdded === undefined || timerOrder(timer, earliestAdded) < 0) earliestAdded = timer;
      }
    }
    return earliestAdded;
  };

  const firstStored = (): StoredTimer | undefined => {
    for (;;) {
      const row = (
        storedCursor === undefined
          ? sql.firstTimer.get()
          : sql.timerAfter.get(storedCursor.time, storedCursor.key, storedCursor.name)
      ) as StoredTimer | undefined;
      if (row === undefined) {
        storedFloor = Number.POSITIVE_INFINITY;
        return undefined;
      }
      if (!removedTimers.has(timerId(row))) {
        storedFloor = row.time;
        return row;
      }
      storedCursor = row;
    }
  };

  const flush = (): void => {
    for (const [key, writes] of rows) {
      for (const [name, json] of writes) {
        if (json === null) sql.delete.run(key, name);
        else sql.put.run(key, name, json);
      }
    }
    for (const timer of removedTimers.values()) sql.cancelTimer.run(timer.time, timer.key, timer.name);
    for (const timer of addedTimers.values()) sql.registerTimer.run(timer.time, timer.key, timer.name);
    for (const [name, json] of meta) sql.setMeta.run(name, json);
    for (const { topic, partition, offset } of offsets.values()) sql.setOffset.run(topic, partition, offset);
    if (storedConfirmedUpTo > Number.NEGATIVE_INFINITY) sql.confirmOutbox.run(storedConfirmedUpTo);
    // Confirmed entries are inserted too, so that the sequence moves past them as it would have.
    for (const entry of outbox) {
      sql.insertOutbox.run(
        entry.sequence,
        entry.topic,
        entry.key,
        entry.value,
        entry.outputId,
        entry.partition,
      );
    }
    // Confirming a buffered entry confirmed every stored one too (their sequences are lower).
    if (bufferedConfirmed > 0) sql.confirmOutbox.run(outbox[bufferedConfirmed - 1]!.sequence);
  };

  const rollbackFrame = (frame: Frame): void => {
    for (let index = undo.length - 1; index >= frame.undoFrom; index -= 1) {
      const change = undo[index]!;
      if (change.kind === 'row') {
        const writes = rows.get(change.key)!;
        if (change.previous === undefined) writes.delete(change.name);
        else writes.set(change.name, change.previous);
      } else if (change.kind === 'meta') {
        if (change.previous === undefined) meta.delete(change.name);
        else meta.set(change.name, change.previous);
      } else if (change.kind === 'offset') {
        if (change.previous === undefined) offsets.delete(change.id);
        else offsets.set(change.id, change.previous);
      } else {
        applyTimer(change.id, change.timer, change.added, change.removed);
      }
    }
    undo.length = frame.undoFrom;
    outbox.length = frame.outboxLength;
    nextSequence = frame.nextSequence;
    storedConfirmedUpTo = frame.storedConfirmedUpTo;
    bufferedConfirmed = frame.bufferedConfirmed;
  };

  const transaction = <T>(fn: () => T): T => {
    if (open) return fn();
    sql.begin.run();
    open = true;
    const version = sql.dataVersion.get();
    if (version !== dataVersion) {
      // Another connection committed: what this one knew of the timers may be stale.
      dataVersion = version;
      storedFloor = Number.NEGATIVE_INFINITY;
    }
    floorAtBegin = storedFloor;
    try {
      const result = notPromise(fn());
      if (!db.inTransaction) throw new Error('state store: SQLite rolled the transaction back');
      flush();
      sql.commit.run();
      const added = firstAdded();
      if (added !== undefined) storedFloor = Math.min(storedFloor, added.time);
      return result;
    } catch (error) {
      if (db.inTransaction) sql.rollback.run();
      storedFloor = floorAtBegin;
      throw error;
    } finally {
      open = false;
      clearBuffer();
    }
  };

  return {
    file,
    transaction,
    database: db,
    savepoint(fn, savepointOptions = {}) {
      if (!open) return transaction(fn);
      const ownTables = savepointOptions.ownTables === true;
      const frame: Frame = {
        undoFrom: undo.length,
        outboxLength: outbox.length,
        nextSequence,
        storedConfirmedUpTo,
        bufferedConfirmed,
      };
      frames.push(frame);
      if (ownTables) sql.savepoint.run();
      let result: ReturnType<typeof fn>;
      try {
        result = notPromise(fn());
      } catch (error) {
        frames.pop();
        rollbackFrame(frame);
        if (ownTables && db.inTransaction) {
          sql.rollbackToSavepoint.run();
          sql.releaseSavepoint.run();
        }
        throw error;
      }
      frames.pop();
      if (ownTables) sql.releaseSavepoint.run();
      // Only an enclosing savepoint could still undo these changes.
      if (frames.length === 0) undo.length = 0;
      return result;
    },
    get(key, name) {
      if (open) {
        const json = rows.get(key)?.get(name);
        if (json !== undefined) return parse(json);
      }
      return parse(sql.get.get(key, name) as string | undefined);
    },
    put(key, name, value) {
      const json = toJson(value, `the value of ${name}`);
      if (!open) return void sql.put.run(key, name, json);
      assertText(key, 'a key');
      assertText(name, 'a name');
      writeRow(key, name, json);
    },
    delete(key, name) {
      if (!open) return void sql.delete.run(key, name);
      assertText(key, 'a key');
      assertText(name, 'a name');
      writeRow(key, name, null);
    },
    deletePrefix(key, prefix) {
      if (!open) return void sql.deletePrefix.run(key, prefix, `${prefix}${HIGHEST}`);
      deleteRowsOf(key, prefix);
    },
    deleteKey(key) {
      if (!open) {
        sql.deleteKeyRows.run(key);
        sql.deleteKeyTimers.run(key);
        return;
      }
      deleteRowsOf(key, '');
      for (const [id, timer] of addedTimers) if (timer.key === key) setTimer(id, timer, false, false);
      for (const timer of sql.timersOfKey.all(key) as StoredTimer[]) {
        const id = timerId(timer);
        if (!removedTimers.has(id)) setTimer(id, timer, false, true);
      }
    },
    names: (key, prefix = '') => namesOf(key, prefix),
    keys() {
      const stored = sql.keys.all() as string[];
      if (!open || rows.size === 0) return stored;
      const keys = new Set(stored);
      for (const key of rows.keys()) {
        if (namesOf(key, '').length > 0) keys.add(key);
        else keys.delete(key);
      }
      return [...keys].sort(compareText);
    },
    registerTimer(timer) {
      if (!open) {
        sql.registerTimer.run(timer.time, timer.key, timer.name);
        storedFloor = Math.min(storedFloor, timer.time);
        return;
      }
      const checked = checkedTimer(timer);
      const id = timerId(checked);
      if (addedTimers.has(id)) return;
      if (removedTimers.has(id)) setTimer(id, removedTimers.get(id)!, false, false);
      else if (!storedTimerExists(checked)) setTimer(id, checked, true, false);
    },
    cancelTimer(timer) {
      if (!open) return void sql.cancelTimer.run(timer.time, timer.key, timer.name);
      const checked = checkedTimer(timer);
      const id = timerId(checked);
      const added = addedTimers.get(id);
      if (added !== undefined) setTimer(id, added, false, false);
      else if (!removedTimers.has(id) && storedTimerExists(checked)) setTimer(id, checked, false, true);
    },
    nextDueTimer(watermark) {
      if (!open) return sql.nextDueTimer.get(watermark) as StoredTimer | undefined;
      const added = firstAdded();
      let due = added !== undefined && added.time <= watermark ? added : undefined;
      if (watermark >= storedFloor) {
        const stored = firstStored();
        if (
          stored !== undefined &&
          stored.time <= watermark &&
          (due === undefined || timerOrder(stored, due) < 0)
        )
          due = stored;
      }
      return due === undefined ? undefined : { time: due.time, key: due.key, name: due.name };
    },
    timerCount() {
      const stored = sql.timerCount.get() as number;
      return open ? stored - removedTimers.size + addedTimers.size : stored;
    },
    offsets() {
      const stored = sql.offsets.all() as StoredOffset[];
      if (!open || offsets.size === 0) return stored;
      const merged = new Map(stored.map((row) => [`${row.topic}\u0000${row.partition}`, row]));
      for (const [id, row] of offsets) merged.set(id, { ...row });
      return [...merged.values()].sort((a, b) => compareText(a.topic, b.topic) || a.partition - b.partition);
    },
    setOffset(topic, partition, offset) {
      if (!open) return void sql.setOffset.run(topic, partition, offset);
      assertText(topic, 'a topic');
      if (!Number.isInteger(partition) || !Number.isInteger(offset))
        throw new TypeError('state store: a partition and an offset must be integers');
      const id = `${topic}\u0000${partition}`;
      if (frames.length > 0) undo.push({ kind: 'offset', id, previous: offsets.get(id) });
      offsets.set(id, { topic, partition, offset });
    },
    getMeta(name) {
      if (open) {
        const json = meta.get(name);
        if (json !== undefined) return parse(json);
      }
      return parse(sql.getMeta.get(name) as string | undefined);
    },
    setMeta(name, value) {
      const json = toJson(value, `meta ${name}`);
      if (!open) return void sql.setMeta.run(name, json);
      assertText(name, 'a meta name');
      if (frames.length > 0) undo.push({ kind: 'meta', name, previous: meta.get(name) });
      meta.set(name, json);
    },
    appendOutbox(entry) {
      if (!open) {
        sql.appendOutbox.run(entry.topic, entry.key, entry.value, entry.outputId, entry.partition);
        return;
      }
      assertText(entry.topic, 'an output topic');
      assertText(entry.value, 'an output value');
      assertText(entry.outputId, 'an output id');
      if (entry.key !== null) assertText(entry.key, 'an output key');
      if (entry.partition !== null && !Number.isInteger(entry.partition))
        throw new TypeError('state store: an output partition must be an integer or null');
      nextSequence ??= ((sql.lastSequence.get() as number | null) ?? 0) + 1;
      outbox.push({
        sequence: nextSequence,
        topic: entry.topic,
        key: entry.key,
        value: entry.value,
        outputId: entry.outputId,
        partition: entry.partition,
      });
      nextSequence += 1;
    },
    pendingOutbox() {
      const stored = sql.pendingOutbox.all() as OutboxEntry[];
      if (!open) return stored;
      return [
        ...stored.filter((entry) => entry.sequence > storedConfirmedUpTo),
        ...outbox.slice(bufferedConfirmed).map((entry) => ({ ...entry })),
      ];
    },
    confirmOutbox(upToSequence) {
      if (!open) return void sql.confirmOutbox.run(upToSequence);
      if (typeof upToSequence !== 'number' || Number.isNaN(upToSequence))
        throw new TypeError('state store: a sequence must be a number');
      storedConfirmedUpTo = Math.max(storedConfirmedUpTo, upToSequence);
      while (bufferedConfirmed < outbox.length && outbox[bufferedConfirmed]!.sequence <= upToSequence)
        bufferedConfirmed += 1;
    },
    close: () => db.close(),
  };
}
