/**
 * The write buffer of a state store's open transaction: every row, meta value, offset, outbox entry and timer a
 * batch writes, held in memory and written at commit (one statement per distinct row rather than one per write),
 * with an undo log so that a savepoint is a mark in it rather than SQL. Reads merge it over the file.
 *
 * It is also where every change of a batch is in one place before it reaches the file: the hook for a
 * changelog of the state (a producer of each committed batch's changes), which is why nothing writes around it.
 */
import type { OutboxEntry, StoredOffset, StoredTimer } from './state-types.ts';

/** What a savepoint undoes in the buffer, newest first. */
type Undo =
  | { kind: 'row'; key: string; name: string; previous: string | null | undefined }
  | { kind: 'meta'; name: string; previous: string | undefined }
  | { kind: 'offset'; id: string; previous: StoredOffset | undefined }
  | { kind: 'timer'; id: string; timer: StoredTimer; added: boolean; removed: boolean };

/** An open savepoint: where its changes to the buffer begin. */
export interface BufferMark {
  undoFrom: number;
  outboxLength: number;
  nextSequence: number | undefined;
  storedConfirmedUpTo: number;
  bufferedConfirmed: number;
}

/** The order timers fire in, as the timers table sorts them. */
export function timerOrder(a: StoredTimer, b: StoredTimer): number {
  return a.time - b.time || compareText(a.key, b.key) || compareText(a.name, b.name);
}

/** The identity of a timer (time, key, name). */
export function timerId(timer: StoredTimer): string {
  return `${timer.time}:${timer.key.length}:${timer.key}${timer.name}`;
}

/**
 * Compare strings as SQLite's BINARY collation does (UTF-8 bytes, i.e. code points), which differs from
 * JavaScript's UTF-16 order for surrogate pairs against U+E000..U+FFFF.
 */
export function compareText(a: string, b: string): number {
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

/** The changes of one open transaction. */
export interface WriteBuffer {
  /** Per key, per name: the new JSON, or null for a deletion. */
  readonly rows: Map<string, Map<string, string | null>>;
  readonly meta: Map<string, string>;
  /** Per `topic\u0000partition`. */
  readonly offsets: Map<string, StoredOffset>;
  /** Entries appended, in sequence order (a prefix of `bufferedConfirmed` of them already confirmed). */
  readonly outbox: OutboxEntry[];
  /** Timers registered and not in the file, and timers of the file cancelled (never both for one id). */
  readonly addedTimers: Map<string, StoredTimer>;
  readonly removedTimers: Map<string, StoredTimer>;
  nextSequence: number | undefined;
  /** Stored outbox entries confirmed up to this sequence. */
  storedConfirmedUpTo: number;
  /** How many buffered outbox entries are confirmed (a prefix). */
  bufferedConfirmed: number;
  writeRow(key: string, name: string, json: string | null): void;
  setMeta(name: string, json: string): void;
  setOffset(id: string, offset: StoredOffset): void;
  /** Change a timer's place in the buffer (recording the undo when a savepoint is open). */
  setTimer(id: string, timer: StoredTimer, added: boolean, removed: boolean): void;
  /** The earliest buffered timer (`addedTimers`), or undefined. */
  firstAdded(): StoredTimer | undefined;
  /** Open a savepoint. */
  mark(): BufferMark;
  /** Close a savepoint whose function returned (its changes stay; only an outer savepoint can undo them). */
  release(mark: BufferMark): void;
  /** Undo everything since `mark` and close it. */
  rollback(mark: BufferMark): void;
  /** Forget everything (after a commit or a rollback). */
  clear(): void;
}

/**
 * Create the buffer. `onStoredTimerRestored` is told when a cancelled timer of the file counts again (the
 * store's look-ups for the next due timer may have passed it).
 */
export function createWriteBuffer(onStoredTimerRestored: () => void): WriteBuffer {
  const undo: Undo[] = [];
  let open = 0;
  let earliestAdded: StoredTimer | undefined | null = undefined; // null: to be found again

  const applyTimer = (id: string, timer: StoredTimer, added: boolean, removed: boolean): void => {
    if (added) {
      buffer.addedTimers.set(id, timer);
      if (earliestAdded !== null && (earliestAdded === undefined || timerOrder(timer, earliestAdded) < 0))
        earliestAdded = timer;
    } else {
      const current = buffer.addedTimers.get(id);
      if (current !== undefined) {
        buffer.addedTimers.delete(id);
        if (current === earliestAdded) earliestAdded = null;
      }
    }
    if (removed) buffer.removedTimers.set(id, timer);
    else if (buffer.removedTimers.delete(id)) onStoredTimerRestored();
  };

  const buffer: WriteBuffer = {
    rows: new Map(),
    meta: new Map(),
    offsets: new Map(),
    outbox: [],
    addedTimers: new Map(),
    removedTimers: new Map(),
    nextSequence: undefined,
    storedConfirmedUpTo: Number.NEGATIVE_INFINITY,
    bufferedConfirmed: 0,
    writeRow(key, name, json) {
      let writes = buffer.rows.get(key);
      if (writes === undefined) {
        writes = new Map();
        buffer.rows.set(key, writes);
      }
      if (open > 0) undo.push({ kind: 'row', key, name, previous: writes.get(name) });
      writes.set(name, json);
    },
    setMeta(name, json) {
      if (open > 0) undo.push({ kind: 'meta', name, previous: buffer.meta.get(name) });
      buffer.meta.set(name, json);
    },
    setOffset(id, offset) {
      if (open > 0) undo.push({ kind: 'offset', id, previous: buffer.offsets.get(id) });
      buffer.offsets.set(id, offset);
    },
    setTimer(id, timer, added, removed) {
      if (open > 0) {
        const previous = buffer.addedTimers.get(id) ?? buffer.removedTimers.get(id) ?? timer;
        undo.push({
          kind: 'timer',
          id,
          timer: previous,
          added: buffer.addedTimers.has(id),
          removed: buffer.removedTimers.has(id),
        });
      }
      applyTimer(id, timer, added, removed);
    },
    firstAdded() {
      if (earliestAdded === null) {
        earliestAdded = undefined;
        for (const timer of buffer.addedTimers.values()) {
          if (earliestAdded === undefined || timerOrder(timer, earliestAdded) < 0) earliestAdded = timer;
        }
      }
      return earliestAdded;
    },
    mark() {
      open += 1;
      return {
        undoFrom: undo.length,
        outboxLength: buffer.outbox.length,
        nextSequence: buffer.nextSequence,
        storedConfirmedUpTo: buffer.storedConfirmedUpTo,
        bufferedConfirmed: buffer.bufferedConfirmed,
      };
    },
    release() {
      open -= 1;
      // Only an enclosing savepoint could still undo these changes.
      if (open === 0) undo.length = 0;
    },
    rollback(mark) {
      open -= 1;
      for (let index = undo.length - 1; index >= mark.undoFrom; index -= 1) {
        const change = undo[index]!;
        if (change.kind === 'row') {
          const writes = buffer.rows.get(change.key)!;
          if (change.previous === undefined) writes.delete(change.name);
          else writes.set(change.name, change.previous);
        } else if (change.kind === 'meta') {
          if (change.previous === undefined) buffer.meta.delete(change.name);
          else buffer.meta.set(change.name, change.previous);
        } else if (change.kind === 'offset') {
          if (change.previous === undefined) buffer.offsets.delete(change.id);
          else buffer.offsets.set(change.id, change.previous);
        } else {
          applyTimer(change.id, change.timer, change.added, change.removed);
        }
      }
      undo.length = mark.undoFrom;
      buffer.outbox.length = mark.outboxLength;
      buffer.nextSequence = mark.nextSequence;
      buffer.storedConfirmedUpTo = mark.storedConfirmedUpTo;
      buffer.bufferedConfirmed = mark.bufferedConfirmed;
    },
    clear() {
      buffer.rows.clear();
      buffer.meta.clear();
      buffer.offsets.clear();
      buffer.outbox.length = 0;
      buffer.addedTimers.clear();
      buffer.removedTimers.clear();
      buffer.nextSequence = undefined;
      buffer.storedConfirmedUpTo = Number.NEGATIVE_INFINITY;
      buffer.bufferedConfirmed = 0;
      earliestAdded = undefined;
      undo.length = 0;
      open = 0;
    },
  };
  return buffer;
}
