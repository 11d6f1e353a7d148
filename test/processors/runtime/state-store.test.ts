/**
 * The state store's transaction buffer: reads see the transaction's own writes, a savepoint that throws undoes
 * only its own writes, a transaction that throws leaves nothing behind, and names, keys, prefixes, offsets,
 * meta, timers and the outbox agree with the buffered writes. A model run beside random transactions checks
 * all of it, then the file itself (read back with a second connection) and a reopen.
 */
import Database from 'better-sqlite3';
import fc from 'fast-check';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStateStore } from '../../../processors/runtime/index.ts';
import type { OutboxEntry, StateStore, StoredTimer } from '../../../processors/runtime/index.ts';
import { createTempDir, removeTempDir } from '../../helpers/temp-dir.ts';

const dirs: string[] = [];
const stores: StateStore[] = [];

afterEach(() => {
  for (const store of stores.splice(0)) store.close();
  for (const dir of dirs.splice(0)) removeTempDir(dir);
});

function storeFile(): string {
  const dir = createTempDir('state-store');
  dirs.push(dir);
  return path.join(dir, 'partition-0.sqlite');
}

function open(file: string): StateStore {
  const store = openStateStore(file, { synchronous: 'OFF' });
  stores.push(store);
  return store;
}

class Planned extends Error {}

/** Throw from inside a transaction or savepoint, on purpose. */
function fail(): never {
  throw new Planned('planned failure');
}

describe('state store: the transaction buffer', () => {
  it('reads its own writes, and every read is a fresh copy', () => {
    const store = open(storeFile());
    const hits = { count: 1, days: ['2026-01-01'] };
    store.transaction(() => {
      store.put('subject-1', 'hits', hits);
      hits.count = 99;
      expect(store.get('subject-1', 'hits')).toEqual({ count: 1, days: ['2026-01-01'] });
      const read = store.get<{ count: number; days: string[] }>('subject-1', 'hits')!;
      read.days.push('changed');
      expect(store.get('subject-1', 'hits')).toEqual({ count: 1, days: ['2026-01-01'] });
      store.delete('subject-1', 'hits');
      expect(store.get('subject-1', 'hits')).toBeUndefined();
      store.put('subject-1', 'hits', { count: 2 });
      store.setMeta('watermark', 5);
      expect(store.getMeta('watermark')).toBe(5);
      store.setOffset('in', 0, 10);
      expect(store.offsets()).toEqual([{ topic: 'in', partition: 0, offset: 10 }]);
    });
    expect(store.get('subject-1', 'hits')).toEqual({ count: 2 });
    expect(store.getMeta('watermark')).toBe(5);
  });

  it('undoes only the writes of a savepoint that throws', () => {
    const store = open(storeFile());
    store.transaction(() => {
      store.put('a', 'kept', 1);
      store.registerTimer({ time: 10, key: 'a', name: 'kept' });
      store.appendOutbox({ topic: 'out', key: 'a', value: '"kept"', outputId: 'kept', partition: null });
      expect(() =>
        store.savepoint(() => {
          store.put('a', 'kept', 2);
          store.put('a', 'undone', 3);
          store.deletePrefix('a', '');
          store.setMeta('undone', true);
          store.setOffset('in', 0, 99);
          store.registerTimer({ time: 5, key: 'a', name: 'undone' });
          store.cancelTimer({ time: 10, key: 'a', name: 'kept' });
          store.appendOutbox({ topic: 'out', key: 'a', value: '"undone"', outputId: 'undone', partition: 0 });
          store.confirmOutbox(Number.MAX_SAFE_INTEGER);
          expect(store.names('a')).toEqual([]);
          fail();
        }),
      ).toThrow(Planned);
      expect(store.names('a')).toEqual(['kept']);
      expect(store.get('a', 'kept')).toBe(1);
      expect(store.getMeta('undone')).toBeUndefined();
      expect(store.offsets()).toEqual([]);
      expect(store.nextDueTimer(100)).toEqual({ time: 10, key: 'a', name: 'kept' });
      expect(store.timerCount()).toBe(1);
      expect(store.pendingOutbox().map((entry) => entry.outputId)).toEqual(['kept']);
      // A savepoint that succeeds inside one that throws is undone with it.
      expect(() =>
        store.savepoint(() => {
          store.savepoint(() => store.put('a', 'inner', 1));
          store.savepoint(() => store.registerTimer({ time: 1, key: 'a', name: 'inner' }));
          fail();
        }),
      ).toThrow(Planned);
      store.savepoint(() => store.put('a', 'committed', 4));
    });
    expect(store.names('a')).toEqual(['committed', 'kept']);
    expect(store.timerCount()).toBe(1);
    expect(store.pendingOutbox().map((entry) => [entry.outputId, entry.sequence])).toEqual([['kept', 1]]);
  });

  it('leaves the store unchanged when a transaction throws', () => {
    const file = storeFile();
    const store = open(file);
    store.transaction(() => {
      store.put('a', 'x', 1);
      store.setMeta('m', 'before');
      store.setOffset('in', 0, 1);
      store.registerTimer({ time: 1, key: 'a', name: 't' });
      store.appendOutbox({ topic: 'out', key: null, value: '1', outputId: 'o1', partition: null });
    });
    const before = readFile(file);
    expect(() =>
      store.transaction(() => {
        store.put('a', 'x', 2);
        store.put('b', 'y', 3);
        store.deleteKey('a');
        store.setMeta('m', 'after');
        store.setOffset('in', 0, 2);
        store.registerTimer({ time: 2, key: 'b', name: 't' });
        store.appendOutbox({ topic: 'out', key: null, value: '2', outputId: 'o2', partition: null });
        store.confirmOutbox(1);
        fail();
      }),
    ).toThrow(Planned);
    expect(readFile(file)).toEqual(before);
    expect(store.get('a', 'x')).toBe(1);
    expect(store.keys()).toEqual(['a']);
    // The sequence an undone append took is given again, as SQLite would.
    store.transaction(() =>
      store.appendOutbox({ topic: 'out', key: null, value: '3', outputId: 'o3', partition: null }),
    );
    expect(store.pendingOutbox().map((entry) => entry.sequence)).toEqual([1, 2]);
  });

  it('refuses what it could not store, at the call rather than at the commit', () => {
    const store = open(storeFile());
    store.transaction(() => {
      expect(() => store.savepoint(() => store.put('a', 'x', undefined))).toThrow(TypeError);
      expect(() => store.savepoint(() => store.setMeta('m', () => 1))).toThrow(TypeError);
      expect(() =>
        store.savepoint(() =>
          store.appendOutbox({
            topic: 'out',
            key: null,
            value: undefined as unknown as string,
            outputId: 'o',
            partition: null,
          }),
        ),
      ).toThrow(TypeError);
      store.put('a', 'x', 1);
    });
    expect(store.get('a', 'x')).toBe(1);
    expect(() => store.transaction(() => Promise.resolve(1))).toThrow(TypeError);
    expect(store.get('a', 'x')).toBe(1);
  });

  it('keeps outbox sequences growing across confirmations and reopens', () => {
    const file = storeFile();
    let store = open(file);
    const append = (id: string) =>
      store.appendOutbox({ topic: 'out', key: id, value: `"${id}"`, outputId: id, partition: null });
    store.transaction(() => {
      append('a');
      append('b');
      expect(store.pendingOutbox().map((entry) => entry.sequence)).toEqual([1, 2]);
      store.confirmOutbox(1);
      expect(store.pendingOutbox().map((entry) => entry.outputId)).toEqual(['b']);
    });
    store.confirmOutbox(2);
    store.transaction(() => append('c'));
    expect(store.pendingOutbox().map((entry) => entry.sequence)).toEqual([3]);
    store.close();
    stores.splice(stores.indexOf(store), 1);
    store = open(file);
    store.transaction(() => {
      store.confirmOutbox(3);
      append('d');
    });
    expect(store.pendingOutbox()).toEqual([
      { sequence: 4, topic: 'out', key: 'd', value: '"d"', outputId: 'd', partition: null },
    ]);
  });

  it('finds a due timer again when a savepoint that fired it is undone', () => {
    const store = open(storeFile());
    store.transaction(() => store.registerTimer({ time: 10, key: 'a', name: 'close' }));
    store.transaction(() => {
      expect(store.nextDueTimer(5)).toBeUndefined();
      expect(() =>
        store.savepoint(() => {
          const due = store.nextDueTimer(10)!;
          store.cancelTimer(due);
          expect(store.nextDueTimer(100)).toBeUndefined();
          fail();
        }),
      ).toThrow(Planned);
      expect(store.nextDueTimer(100)).toEqual({ time: 10, key: 'a', name: 'close' });
    });
  });

  it('sees timers and rows another connection committed between transactions', () => {
    const file = storeFile();
    const store = open(file);
    store.transaction(() => {
      store.registerTimer({ time: 50, key: 'a', name: 'late' });
      store.put('a', 'x', 1);
      expect(store.nextDueTimer(10)).toBeUndefined();
    });
    const other = open(file);
    other.transaction(() => {
      other.registerTimer({ time: 5, key: 'b', name: 'early' });
      other.put('a', 'x', 2);
    });
    store.transaction(() => {
      expect(store.nextDueTimer(10)).toEqual({ time: 5, key: 'b', name: 'early' });
      expect(store.get('a', 'x')).toBe(2);
    });
  });
});

// ---------------------------------------------------------------------------------------------------------
// A model of the store, and random transactions run against both.

const KEYS = ['a', 'ab', 'b', 'a\u0000b', '\u{1F600}', '\uE000'];
const NAMES = ['x', 'xy', 'y', 'p:1', 'p:10', 'p:2', '\u{1F600}', '\uFFFF', ''];
const PREFIXES = ['', 'p', 'p:1', 'x', '\u{1F600}', '\uE000'];

type Op =
  | { op: 'put'; key: string; name: string; value: number }
  | { op: 'delete'; key: string; name: string }
  | { op: 'deletePrefix'; key: string; prefix: string }
  | { op: 'deleteKey'; key: string }
  | { op: 'registerTimer'; timer: StoredTimer }
  | { op: 'cancelTimer'; timer: StoredTimer }
  | { op: 'fireDue'; watermark: number }
  | { op: 'setMeta'; name: string; value: number }
  | { op: 'setOffset'; topic: string; partition: number; offset: number }
  | { op: 'append'; topic: string; key: string | null; outputId: string; partition: number | null }
  | { op: 'confirm'; upTo: number }
  | { op: 'savepoint'; ops: Op[]; throws: boolean };

interface Model {
  rows: Map<string, Map<string, string>>;
  timers: StoredTimer[];
  meta: Map<string, string>;
  offsets: Map<string, { topic: string; partition: number; offset: number }>;
  outbox: OutboxEntry[];
  lastSequence: number;
}

const emptyModel = (): Model => ({
  rows: new Map(),
  timers: [],
  meta: new Map(),
  offsets: new Map(),
  outbox: [],
  lastSequence: 0,
});

const cloneModel = (model: Model): Model => ({
  rows: new Map([...model.rows].map(([key, names]) => [key, new Map(names)])),
  timers: model.timers.map((timer) => ({ ...timer })),
  meta: new Map(model.meta),
  offsets: new Map(model.offsets),
  outbox: model.outbox.map((entry) => ({ ...entry })),
  lastSequence: model.lastSequence,
});

/** SQLite's BINARY order: by code point. */
function byCodePoint(a: string, b: string): number {
  const x = Array.from(a, (char) => char.codePointAt(0)!);
  const y = Array.from(b, (char) => char.codePointAt(0)!);
  for (let index = 0; index < Math.min(x.length, y.length); index += 1) {
    if (x[index] !== y[index]) return x[index]! - y[index]!;
  }
  return x.length - y.length;
}

const timerOrder = (a: StoredTimer, b: StoredTimer): number =>
  a.time - b.time || byCodePoint(a.key, b.key) || byCodePoint(a.name, b.name);
const sameTimer = (a: StoredTimer, b: StoredTimer): boolean =>
  a.time === b.time && a.key === b.key && a.name === b.name;

const modelNames = (model: Model, key: string, prefix: string): string[] =>
  [...(model.rows.get(key)?.keys() ?? [])].filter((name) => name.startsWith(prefix)).sort(byCodePoint);

function applyToModel(model: Model, op: Op): Model {
  switch (op.op) {
    case 'put': {
      const names = model.rows.get(op.key) ?? new Map<string, string>();
      names.set(op.name, JSON.stringify(op.value));
      model.rows.set(op.key, names);
      return model;
    }
    case 'delete':
      model.rows.get(op.key)?.delete(op.name);
      return model;
    case 'deletePrefix':
      for (const name of modelNames(model, op.key, op.prefix)) model.rows.get(op.key)?.delete(name);
      return model;
    case 'deleteKey':
      model.rows.delete(op.key);
      model.timers = model.timers.filter((timer) => timer.key !== op.key);
      return model;
    case 'registerTimer':
      if (!model.timers.some((timer) => sameTimer(timer, op.timer))) model.timers.push({ ...op.timer });
      return model;
    case 'cancelTimer':
      model.timers = model.timers.filter((timer) => !sameTimer(timer, op.timer));
      return model;
    case 'fireDue':
      model.timers = model.timers.filter((timer) => timer.time > op.watermark);
      return model;
    case 'setMeta':
      model.meta.set(op.name, JSON.stringify(op.value));
      return model;
    case 'setOffset':
      model.offsets.set(`${op.topic}:${op.partition}`, {
        topic: op.topic,
        partition: op.partition,
        offset: op.offset,
      });
      return model;
    case 'append':
      model.lastSequence += 1;
      model.outbox.push({
        sequence: model.lastSequence,
        topic: op.topic,
        key: op.key,
        value: JSON.stringify(op.outputId),
        outputId: op.outputId,
        partition: op.partition,
      });
      return model;
    case 'confirm':
      model.outbox = model.outbox.filter((entry) => entry.sequence > op.upTo);
      return model;
    case 'savepoint':
      throw new Error('savepoints are stepped, not applied');
  }
}

function applyToStore(store: StateStore, op: Exclude<Op, { op: 'savepoint' }>): void {
  switch (op.op) {
    case 'put':
      return store.put(op.key, op.name, op.value);
    case 'delete':
      return store.delete(op.key, op.name);
    case 'deletePrefix':
      return store.deletePrefix(op.key, op.prefix);
    case 'deleteKey':
      return store.deleteKey(op.key);
    case 'registerTimer':
      return store.registerTimer(op.timer);
    case 'cancelTimer':
      return store.cancelTimer(op.timer);
    case 'fireDue':
      // As the timer service fires: earliest first, each cancelled before the next is looked up.
      for (let due = store.nextDueTimer(op.watermark); due; due = store.nextDueTimer(op.watermark)) {
        store.cancelTimer(due);
      }
      return;
    case 'setMeta':
      return store.setMeta(op.name, op.value);
    case 'setOffset':
      return store.setOffset(op.topic, op.partition, op.offset);
    case 'append':
      return store.appendOutbox({
        topic: op.topic,
        key: op.key,
        value: JSON.stringify(op.outputId),
        outputId: op.outputId,
        partition: op.partition,
      });
    case 'confirm':
      return store.confirmOutbox(op.upTo);
  }
}

/** Apply `op` to the store and the model side by side, checking them after every step; returns the model. */
function step(store: StateStore, model: Model, op: Op, check: (model: Model) => void): Model {
  if (op.op !== 'savepoint') {
    applyToStore(store, op);
    const next = applyToModel(model, op);
    check(next);
    return next;
  }
  const before = cloneModel(model);
  let current = model;
  try {
    store.savepoint(() => {
      for (const inner of op.ops) current = step(store, current, inner, check);
      if (op.throws) fail();
    });
  } catch (error) {
    if (!(error instanceof Planned)) throw error;
    current = before;
  }
  check(current);
  return current;
}

/** Everything readable through the store's API, in the shape the model gives. */
function readStore(store: StateStore) {
  const rows: Record<string, Record<string, unknown>> = {};
  for (const key of store.keys()) {
    rows[key] = Object.fromEntries(store.names(key).map((name) => [name, store.get(key, name)]));
  }
  const prefixed = KEYS.flatMap((key) => PREFIXES.map((prefix) => store.names(key, prefix)));
  const gets = KEYS.flatMap((key) => NAMES.map((name) => store.get(key, name) ?? null));
  const due = [-1, 0, 2, 4, 6].map((watermark) => store.nextDueTimer(watermark) ?? null);
  return {
    keys: store.keys(),
    rows,
    prefixed,
    gets,
    due,
    timerCount: store.timerCount(),
    meta: ['m1', 'm2'].map((name) => store.getMeta(name) ?? null),
    offsets: store.offsets(),
    outbox: store.pendingOutbox(),
  };
}

function readModel(model: Model) {
  const keys = [...model.rows.keys()].filter((key) => model.rows.get(key)!.size > 0).sort(byCodePoint);
  const rows = Object.fromEntries(
    keys.map((key) => [
      key,
      Object.fromEntries(
        modelNames(model, key, '').map((name) => [name, JSON.parse(model.rows.get(key)!.get(name)!)]),
      ),
    ]),
  );
  const timers = [...model.timers].sort(timerOrder);
  return {
    keys,
    rows,
    prefixed: KEYS.flatMap((key) => PREFIXES.map((prefix) => modelNames(model, key, prefix))),
    gets: KEYS.flatMap((key) =>
      NAMES.map((name) => {
        const json = model.rows.get(key)?.get(name);
        return json === undefined ? null : (JSON.parse(json) as unknown);
      }),
    ),
    due: [-1, 0, 2, 4, 6].map((watermark) => timers.find((timer) => timer.time <= watermark) ?? null),
    timerCount: model.timers.length,
    meta: ['m1', 'm2'].map((name) => {
      const json = model.meta.get(name);
      return json === undefined ? null : (JSON.parse(json) as unknown);
    }),
    offsets: [...model.offsets.values()].sort(
      (a, b) => byCodePoint(a.topic, b.topic) || a.partition - b.partition,
    ),
    outbox: model.outbox,
  };
}

/** The file's own contents, read with a second connection (what a restarted process would find). */
function readFile(file: string) {
  const db = new Database(file, { readonly: true });
  try {
    return {
      state: db.prepare('SELECT key, name, value FROM state ORDER BY key, name').all(),
      timers: db.prepare('SELECT time, key, name FROM timers ORDER BY time, key, name').all(),
      meta: db.prepare('SELECT name, value FROM meta ORDER BY name').all(),
      offsets: db
        .prepare('SELECT topic, partition, next_offset FROM offsets ORDER BY topic, partition')
        .all(),
      outbox: db.prepare('SELECT * FROM outbox ORDER BY sequence').all(),
    };
  } finally {
    db.close();
  }
}

function fileOfModel(model: Model) {
  const view = readModel(model);
  return {
    state: view.keys.flatMap((key) =>
      modelNames(model, key, '').map((name) => ({ key, name, value: model.rows.get(key)!.get(name)! })),
    ),
    timers: [...model.timers].sort(timerOrder),
    meta: [...model.meta].sort(([a], [b]) => byCodePoint(a, b)).map(([name, value]) => ({ name, value })),
    offsets: view.offsets.map(({ topic, partition, offset }) => ({ topic, partition, next_offset: offset })),
    outbox: model.outbox.map(({ outputId, ...entry }) => ({ ...entry, output_id: outputId })),
  };
}

const leafOp: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      op: fc.constant('put' as const),
      key: fc.constantFrom(...KEYS),
      name: fc.constantFrom(...NAMES),
      value: fc.integer({ min: 0, max: 9 }),
    }),
  },
  fc.record({
    op: fc.constant('delete' as const),
    key: fc.constantFrom(...KEYS),
    name: fc.constantFrom(...NAMES),
  }),
  fc.record({
    op: fc.constant('deletePrefix' as const),
    key: fc.constantFrom(...KEYS),
    prefix: fc.constantFrom(...PREFIXES),
  }),
  fc.record({ op: fc.constant('deleteKey' as const), key: fc.constantFrom(...KEYS) }),
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('registerTimer' as const),
      timer: fc.record({
        time: fc.integer({ min: 0, max: 5 }),
        key: fc.constantFrom(...KEYS),
        name: fc.constantFrom('t', 'u'),
      }),
    }),
  },
  fc.record({
    op: fc.constant('cancelTimer' as const),
    timer: fc.record({
      time: fc.integer({ min: 0, max: 5 }),
      key: fc.constantFrom(...KEYS),
      name: fc.constantFrom('t', 'u'),
    }),
  }),
  fc.record({ op: fc.constant('fireDue' as const), watermark: fc.integer({ min: -1, max: 6 }) }),
  fc.record({
    op: fc.constant('setMeta' as const),
    name: fc.constantFrom('m1', 'm2'),
    value: fc.integer({ min: 0, max: 9 }),
  }),
  fc.record({
    op: fc.constant('setOffset' as const),
    topic: fc.constantFrom('in', 'in2', '\u{1F600}', '\uE000'),
    partition: fc.integer({ min: 0, max: 2 }),
    offset: fc.integer({ min: 0, max: 99 }),
  }),
  fc.record({
    op: fc.constant('append' as const),
    topic: fc.constantFrom('out', 'side'),
    key: fc.constantFrom(null, 'a', 'b'),
    outputId: fc.string({ maxLength: 4 }),
    partition: fc.constantFrom(null, 0, 3),
  }),
  fc.record({ op: fc.constant('confirm' as const), upTo: fc.integer({ min: 0, max: 12 }) }),
);

const savepointOp = (inner: fc.Arbitrary<Op>): fc.Arbitrary<Op> =>
  fc.record({
    op: fc.constant('savepoint' as const),
    ops: fc.array(inner, { maxLength: 6 }),
    throws: fc.boolean(),
  });

const anyOp: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: leafOp },
  { weight: 2, arbitrary: savepointOp(fc.oneof({ weight: 4, arbitrary: leafOp }, savepointOp(leafOp))) },
);

describe('state store: buffered writes against a model', () => {
  it('agrees with the model inside transactions, in the file after each commit, and after a reopen', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            ops: fc.array(anyOp, { maxLength: 10 }),
            mode: fc.constantFrom('commits', 'throws', 'no transaction'),
          }),
          {
            minLength: 1,
            maxLength: 6,
          },
        ),
        (transactions) => {
          const file = storeFile();
          let store = open(file);
          let model = emptyModel();
          for (const transaction of transactions) {
            let draft = cloneModel(model);
            const check = (expected: Model): void =>
              void expect(readStore(store)).toEqual(readModel(expected));
            const run = (): void => {
              for (const op of transaction.ops) draft = step(store, draft, op, check);
              if (transaction.mode === 'throws') fail();
            };
            try {
              // Outside a transaction every call is its own statement (a savepoint its own transaction).
              if (transaction.mode === 'no transaction') run();
              else store.transaction(run);
            } catch (error) {
              if (!(error instanceof Planned)) throw error;
            }
            if (transaction.mode !== 'throws') model = draft;
            expect(readStore(store)).toEqual(readModel(model));
            expect(readFile(file)).toEqual(fileOfModel(model));
          }
          store.close();
          stores.splice(stores.indexOf(store), 1);
          store = open(file);
          expect(readStore(store)).toEqual(readModel(model));
        },
      ),
      { numRuns: 150 },
    );
  });
});
