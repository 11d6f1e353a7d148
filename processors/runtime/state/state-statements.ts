/**
 * The per-record SQL of a state file, built from the drizzle table definitions (schema/db/state-tables.ts).
 *
 * Hot path: a row read that misses the write buffer, the writes a batch flushes and the timer look-ups run as
 * raw prepared statements of drizzle-rendered SQL (schema/db/prepare-rendered.ts). Measured with 200,000 calls:
 * drizzle's prepared-query call cost 3–4 µs more per row read (11–15 against 7–12 µs) and about 2 µs more per
 * upsert (7 against 5–6 µs), and every pipeline event makes several of each in each of seven stages.
 * Everything else of the store (offsets, meta, the outbox's reads) goes through drizzle itself.
 */
import { and, asc, count, eq, gte, lt, lte, sql } from 'drizzle-orm';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import type Database from 'better-sqlite3';
import { outbox, placeholder, prepareRendered, stateRows, timers } from '../../../schema/db/index.ts';

const compile = prepareRendered;
const p = placeholder;

/** The prepared statements of a state file. */
export type StateStatements = ReturnType<typeof prepareStateStatements>;

/** Prepare every per-record statement of a state file. */
export function prepareStateStatements(db: BetterSQLite3Database, sqlite: Database.Database) {
  const timerColumns = { time: timers.time, key: timers.key, name: timers.name };
  const timerOrder = [asc(timers.time), asc(timers.key), asc(timers.name)];
  const keyAndName = and(eq(stateRows.key, p('key')), eq(stateRows.name, p('name')));
  const nameRange = and(
    eq(stateRows.key, p('key')),
    gte(stateRows.name, p('from')),
    lt(stateRows.name, p('to')),
  );
  const timerIs = and(eq(timers.time, p('time')), eq(timers.key, p('key')), eq(timers.name, p('name')));
  return {
    begin: sqlite.prepare('BEGIN IMMEDIATE'),
    commit: sqlite.prepare('COMMIT'),
    rollback: sqlite.prepare('ROLLBACK'),
    savepoint: sqlite.prepare('SAVEPOINT own_tables'),
    rollbackToSavepoint: sqlite.prepare('ROLLBACK TO own_tables'),
    releaseSavepoint: sqlite.prepare('RELEASE own_tables'),
    dataVersion: sqlite.prepare('PRAGMA data_version').pluck(),
    getRow: compile(sqlite, db.select({ value: stateRows.value }).from(stateRows).where(keyAndName), [
      'key',
      'name',
    ]).pluck(),
    putRow: compile(
      sqlite,
      db
        .insert(stateRows)
        .values({ key: p('key'), name: p('name'), value: p('value') })
        .onConflictDoUpdate({ target: [stateRows.key, stateRows.name], set: { value: sql`excluded.value` } }),
      ['key', 'name', 'value'],
    ),
    deleteRow: compile(sqlite, db.delete(stateRows).where(keyAndName), ['key', 'name']),
    deleteRange: compile(sqlite, db.delete(stateRows).where(nameRange), ['key', 'from', 'to']),
    deleteKeyRows: compile(sqlite, db.delete(stateRows).where(eq(stateRows.key, p('key'))), ['key']),
    names: compile(
      sqlite,
      db.select({ name: stateRows.name }).from(stateRows).where(nameRange).orderBy(asc(stateRows.name)),
      ['key', 'from', 'to'],
    ).pluck(),
    keys: compile(
      sqlite,
      db.selectDistinct({ key: stateRows.key }).from(stateRows).orderBy(asc(stateRows.key)),
      [],
    ).pluck(),
    registerTimer: compile(
      sqlite,
      db
        .insert(timers)
        .values({ time: p('time'), key: p('key'), name: p('name') })
        .onConflictDoNothing(),
      ['time', 'key', 'name'],
    ),
    cancelTimer: compile(sqlite, db.delete(timers).where(timerIs), ['time', 'key', 'name']),
    deleteKeyTimers: compile(sqlite, db.delete(timers).where(eq(timers.key, p('key'))), ['key']),
    timerExists: compile(
      sqlite,
      db
        .select({ one: sql`1` })
        .from(timers)
        .where(timerIs),
      ['time', 'key', 'name'],
    ).pluck(),
    timersOfKey: compile(
      sqlite,
      db
        .select(timerColumns)
        .from(timers)
        .where(eq(timers.key, p('key'))),
      ['key'],
    ),
    nextDueTimer: compile(
      sqlite,
      db
        .select(timerColumns)
        .from(timers)
        .where(lte(timers.time, p('watermark')))
        .orderBy(...timerOrder)
        .limit(p('limit')),
      ['watermark', 'limit'],
    ),
    firstTimer: compile(
      sqlite,
      db
        .select(timerColumns)
        .from(timers)
        .orderBy(...timerOrder)
        .limit(p('limit')),
      ['limit'],
    ),
    timerAfter: compile(
      sqlite,
      db
        .select(timerColumns)
        .from(timers)
        .where(
          sql`(${timers.time}, ${timers.key}, ${timers.name}) > (${p('time')}, ${p('key')}, ${p('name')})`,
        )
        .orderBy(...timerOrder)
        .limit(p('limit')),
      ['time', 'key', 'name', 'limit'],
    ),
    insertOutbox: compile(
      sqlite,
      db.insert(outbox).values({
        sequence: p('sequence'),
        topic: p('topic'),
        key: p('key'),
        value: p('value'),
        outputId: p('outputId'),
        partition: p('partition'),
      }),
      ['sequence', 'topic', 'key', 'value', 'outputId', 'partition'],
    ),
    timerCount: compile(sqlite, db.select({ count: count() }).from(timers), []).pluck(),
  };
}
