/**
 * Crash consistency of the whole pipeline: the same recorded input is processed once without interruption and
 * once with the pipeline's process SIGKILLed at 5 random moments (each inside the stream: before the child
 * caught up) and restarted each time. Every output topic is read back and compared id by id and value by
 * value (attributions: the credits), and so are the final IVT verdict per ad event, the latest aggregate per
 * aggregateId, the latest credit per creditId and the final segment memberships. A replayed output may be
 * written twice (a kill between a produce and its confirmation) but never with a different value, and the
 * stages recognise the repeat (docs/reliability.md, "How a replay stays exact").
 *
 * Event count: `CLEANROOM_RELIABILITY_EVENTS` (default 200,000, the size; smaller for quick iterations).
 */
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadOrCreateSecrets } from '../../policies/index.ts';
import { createEmbeddedLog } from '../../processors/runtime/index.ts';
import type { Log, LogRecord } from '../../processors/runtime/index.ts';
import { TOPICS } from '../../schema/index.ts';
import { simulate, writeToLog } from '../../simulator/index.ts';
import { createTempDir, removeTempDir } from '../helpers/temp-dir.ts';
import { killAllChildren, startChild } from './support/child-process.ts';
import { OUTPUT_ID_OF } from './support/output-ids.ts';
import { createSeededRandom, suiteSeed } from './support/seeded-random.ts';
import { digestOutputs, readTopic, setDifference } from './support/topic-reader.ts';
import { recordFigure } from './support/figures.ts';

const EVENTS = Number(process.env.CLEANROOM_RELIABILITY_EVENTS ?? 200_000);
const KILLS = Number(process.env.CLEANROOM_RELIABILITY_KILLS ?? 5);
const FIXTURE = join(import.meta.dirname, 'support', 'pipeline-child.ts');
const dirs: string[] = [];

afterEach(async () => {
  await killAllChildren();
  for (const dir of dirs.splice(0)) removeTempDir(dir);
});

function copyLog(from: string, to: string): void {
  copyFileSync(from, to);
  for (const suffix of ['-wal', '-shm'])
    if (existsSync(from + suffix)) copyFileSync(from + suffix, to + suffix);
}

async function withLog<T>(path: string, read: (log: Log) => Promise<T>): Promise<T> {
  const log = createEmbeddedLog({ path, pollIntervalMs: 20 });
  try {
    return await read(log);
  } finally {
    await log.close();
  }
}

interface RunOutputs {
  byTopic: Map<string, LogRecord[]>;
}

async function readOutputs(logPath: string): Promise<RunOutputs> {
  return withLog(logPath, async (log) => {
    const byTopic = new Map<string, LogRecord[]>();
    for (const topic of Object.keys(OUTPUT_ID_OF)) byTopic.set(topic, await readTopic(log, topic, 120_000));
    return { byTopic };
  });
}

/** Print how far a child's ingest got every 30 s (the whole test runs for minutes). */
function showProgress(
  label: string,
  child: { lines: Array<{ event: string; processed?: unknown }> },
): () => void {
  const timer = setInterval(
    () => {
      const last = child.lines.findLast((line) => line.event === 'progress');
      console.log(
        `crash consistency, ${label}: ingest processed ${String(last?.processed ?? 0)} of ${EVENTS}`,
      );
    },
    Number(process.env.CLEANROOM_PROGRESS_INTERVAL_MS ?? 30_000),
  );
  return () => clearInterval(timer);
}

/** Final membership per segment and subject, replaying segment changes in log order per partition. */
function memberships(records: LogRecord[]): Map<string, string> {
  const state = new Map<string, string>();
  const ordered = [...records].sort((a, b) => a.partition - b.partition || a.offset - b.offset);
  for (const record of ordered) {
    const change = JSON.parse(record.value) as { segmentId: string; subjectId: string; action: string };
    state.set(`${change.segmentId}:${change.subjectId}`, change.action);
  }
  return state;
}

/** Records of a topic that are compared id by id (attributions: the credits; aggregates are compared by value). */
function comparable(topic: string, records: LogRecord[]): LogRecord[] {
  if (topic !== TOPICS.attributions) return records;
  return records.filter((record) => (JSON.parse(record.value) as { kind?: string }).kind === 'credit');
}

/** The latest value per key (log order within a partition; a key lives in one partition). */
function latestPerKey(
  records: LogRecord[],
  keyOf: (value: Record<string, unknown>) => string | null,
): Map<string, string> {
  const latest = new Map<string, string>();
  const ordered = [...records].sort((a, b) => a.partition - b.partition || a.offset - b.offset);
  for (const record of ordered) {
    const value = JSON.parse(record.value) as Record<string, unknown>;
    const key = keyOf(value);
    if (key === null) continue;
    delete value['version'];
    latest.set(key, JSON.stringify(value));
  }
  return latest;
}

const finalVerdicts = (run: RunOutputs) =>
  latestPerKey(run.byTopic.get(TOPICS.ivt) ?? [], (value) => String(value['eventId']));
const finalAggregates = (run: RunOutputs) =>
  latestPerKey(run.byTopic.get(TOPICS.attributions) ?? [], (value) =>
    value['kind'] === 'aggregate' ? String(value['aggregateId']) : null,
  );
const finalCredits = (run: RunOutputs) =>
  latestPerKey(run.byTopic.get(TOPICS.attributions) ?? [], (value) =>
    value['kind'] === 'credit' ? String(value['creditId']) : null,
  );

interface MapComparison {
  identical: boolean;
  size: number;
  missing: number;
  extra: number;
  differing: number;
  examples: string[];
  differingExample: string[];
}

function compareMaps(clean: Map<string, string>, killed: Map<string, string>): MapComparison {
  const missing = [...clean.keys()].filter((key) => !killed.has(key));
  const extra = [...killed.keys()].filter((key) => !clean.has(key));
  const differing = [...clean].filter(([key, value]) => killed.has(key) && killed.get(key) !== value);
  return {
    identical: missing.length === 0 && extra.length === 0 && differing.length === 0,
    size: clean.size,
    missing: missing.length,
    extra: extra.length,
    differing: differing.length,
    examples: [...missing.slice(0, 2), ...extra.slice(0, 2), ...differing.slice(0, 2).map(([key]) => key)],
    differingExample: differing.slice(0, 1).flatMap(([key, value]) => [value, killed.get(key) ?? '']),
  };
}

interface TopicComparison {
  identical: boolean;
  ids: number;
  duplicatesClean: number;
  duplicatesKilled: number;
  conflicts: string[];
  onlyClean: string[];
  onlyKilled: string[];
  onlyCleanCount: number;
  onlyKilledCount: number;
  differingValues: number;
  differingExample: string[];
}

/** Same ids, the same (last) value under each id, and the same ids restated with another value in both runs. */
function compareTopic(
  clean: LogRecord[],
  killed: LogRecord[],
  idOf: (value: Record<string, unknown>) => string,
): TopicComparison {
  const left = digestOutputs(clean, idOf as (value: unknown) => string);
  const right = digestOutputs(killed, idOf as (value: unknown) => string);
  const difference = setDifference(left.values.keys(), right.values.keys());
  const differing = [...left.values].filter(
    ([id, value]) => right.values.has(id) && right.values.get(id) !== value,
  );
  const differingValues = differing.length;
  const differingExample = differing
    .slice(0, 1)
    .flatMap(([id, value]) => [value, right.values.get(id) ?? '']);
  // An id restated with a new value (a credit whose share changed) is the model's doing and must happen the same
  // way in both runs; a replay must never add one.
  const cleanConflicts = new Set(left.conflicts);
  const killedConflicts = new Set(right.conflicts);
  const conflicts = [
    ...left.conflicts.filter((id) => !killedConflicts.has(id)),
    ...right.conflicts.filter((id) => !cleanConflicts.has(id)),
  ].slice(0, 5);
  return {
    identical:
      conflicts.length === 0 &&
      difference.onlyLeftCount === 0 &&
      difference.onlyRightCount === 0 &&
      differingValues === 0,
    ids: left.values.size,
    duplicatesClean: left.duplicates,
    duplicatesKilled: right.duplicates,
    conflicts,
    onlyClean: difference.onlyLeft,
    onlyKilled: difference.onlyRight,
    onlyCleanCount: difference.onlyLeftCount,
    onlyKilledCount: difference.onlyRightCount,
    differingValues,
    differingExample,
  };
}

describe('the pipeline killed with SIGKILL at random moments', () => {
  it(`ends with the same outputs as an uninterrupted run (${EVENTS} events, ${KILLS} kills)`, async () => {
    const random = createSeededRandom(suiteSeed());
    const dir = createTempDir('crash');
    dirs.push(dir);
    const inputPath = join(dir, 'input.sqlite');
    const input = createEmbeddedLog({ path: inputPath });
    const simulation = simulate({
      seed: 20261130,
      shoppers: Math.max(2_000, Math.round(EVENTS / 10)),
      events: EVENTS,
      malformedShare: 0.01,
    });
    await writeToLog(input, simulation);
    await input.close();
    loadOrCreateSecrets(dir);
    const runs = { clean: join(dir, 'clean'), killed: join(dir, 'killed') };
    const configOf = (runDir: string) => ({
      logPath: join(runDir, 'log.sqlite'),
      dataDir: runDir,
      secretsDir: dir,
    });
    for (const runDir of Object.values(runs)) {
      mkdirSync(runDir, { recursive: true });
      copyLog(inputPath, join(runDir, 'log.sqlite'));
    }

    // The uninterrupted run, timed to place the kills inside the stream.
    const cleanStarted = performance.now();
    const clean = startChild(FIXTURE, configOf(runs.clean));
    const cleanProgress = showProgress('uninterrupted run', clean);
    await clean.waitForLine('caught-up', { timeout: 1_200_000 }).finally(cleanProgress);
    const cleanMs = performance.now() - cleanStarted;
    await clean.kill('SIGTERM');

    // The same input, killed at 5 random moments, restarted each time.
    const kills: Array<{ afterMs: number; readyMs: number }> = [];
    // Spread over the stream: five kills at most five sixths of an uninterrupted run apart in all.
    const maxDelay = Math.max(800, Math.round(cleanMs / 6));
    for (let kill = 0; kill < KILLS; kill += 1) {
      const started = performance.now();
      const child = startChild(FIXTURE, configOf(runs.killed));
      await child.waitForLine('ready', { timeout: 120_000 });
      const readyMs = performance.now() - started;
      const delay = random.int(200, maxDelay);
      const killAt = performance.now() + delay;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, killAt - performance.now())));
      expect(child.lines.some((line) => line.event === 'caught-up')).toBe(false);
      await child.kill('SIGKILL');
      kills.push({ afterMs: delay, readyMs: Math.round(readyMs) });
    }
    const restarted = performance.now();
    const last = startChild(FIXTURE, configOf(runs.killed));
    const lastProgress = showProgress('after the last kill', last);
    await last.waitForLine('caught-up', { timeout: 1_200_000 }).finally(lastProgress);
    const finalMs = performance.now() - restarted;
    await last.kill('SIGTERM');

    const [a, b] = [
      await readOutputs(join(runs.clean, 'log.sqlite')),
      await readOutputs(join(runs.killed, 'log.sqlite')),
    ];
    const summary: Record<string, TopicComparison> = {};
    for (const [topic, idOf] of Object.entries(OUTPUT_ID_OF)) {
      summary[topic] = compareTopic(
        comparable(topic, a.byTopic.get(topic) ?? []),
        comparable(topic, b.byTopic.get(topic) ?? []),
        idOf,
      );
    }
    const finalState = {
      ivtVerdicts: compareMaps(finalVerdicts(a), finalVerdicts(b)),
      attributionAggregates: compareMaps(finalAggregates(a), finalAggregates(b)),
      attributionCredits: compareMaps(finalCredits(a), finalCredits(b)),
      segmentMemberships: compareMaps(
        memberships(a.byTopic.get(TOPICS.segmentChanges) ?? []),
        memberships(b.byTopic.get(TOPICS.segmentChanges) ?? []),
      ),
    };
    recordFigure('crash-consistency', {
      seed: random.seed,
      events: EVENTS,
      cleanRunMs: Math.round(cleanMs),
      finalRestartToCaughtUpMs: Math.round(finalMs),
      kills,
      topics: summary,
      finalState,
    });
    for (const topic of Object.keys(OUTPUT_ID_OF)) {
      expect(summary[topic]?.identical, `${topic}: same ids and values in both runs`).toBe(true);
    }
    for (const [name, comparison] of Object.entries(finalState)) {
      expect(comparison.identical, `${name}: same final state in both runs`).toBe(true);
    }
    // Not vacuous: the input makes every kind of output, and the kills landed on replays.
    expect(summary[TOPICS.events]!.ids).toBeGreaterThan(EVENTS * 0.8);
    expect(finalState.attributionAggregates.size).toBeGreaterThan(0);
    expect(finalState.attributionCredits.size).toBeGreaterThan(0);
    expect(finalState.ivtVerdicts.size).toBeGreaterThan(0);
    expect(finalState.segmentMemberships.size).toBeGreaterThan(0);
  }, 2_700_000);
});
