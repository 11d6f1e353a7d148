/**
 * A data folder written by the previous release (test/db/fixtures/previous-release, see its README) opened with
 * the current code: every file is upgraded by its kind's migrations, and its data is still there and still
 * used — ingest resumes at its stored offsets with its counters, identity links and producer sequence, so the
 * stages downstream apply every new record once and none twice; budgets, contracts, keys, the audit log and
 * the release state read as they were written.
 */
import { gunzipSync } from 'node:zlib';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createBudgetLedger,
  createContractRegistry,
  createPartnerKeyStore,
  loadOrCreateSecrets,
  openAuditLog,
} from '../../policies/index.ts';
import { createPipeline } from '../../processors/index.ts';
import { createEmbeddedLog, PRODUCER_HEADER, SEQUENCE_HEADER } from '../../processors/runtime/index.ts';
import type { LogRecord } from '../../processors/runtime/index.ts';
import { RAW_TOPICS, TOPICS } from '../../schema/index.ts';
import { simulate, writeToLog } from '../../simulator/index.ts';
import { openReleaseStore } from '../../gateway/release/release-store.ts';
import { createTempDir, removeTempDir } from '../helpers/temp-dir.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { readTopic } from '../reliability/support/topic-reader.ts';

const FIXTURE = path.join(import.meta.dirname, 'fixtures', 'previous-release');
const dirs: string[] = [];

afterEach(() => {
  for (const dir of dirs.splice(0)) removeTempDir(dir);
});

/** Unpack the fixture into a fresh folder (file modes as the previous release left them). */
function unpack(): string {
  const dir = createTempDir('previous-release');
  dirs.push(dir);
  for (const entry of fs.readdirSync(FIXTURE, { recursive: true }) as string[]) {
    if (!entry.endsWith('.gz')) continue;
    const target = path.join(dir, entry.slice(0, -'.gz'.length));
    fs.mkdirSync(path.dirname(target), { recursive: true, mode: 0o700 });
    fs.writeFileSync(target, gunzipSync(fs.readFileSync(path.join(FIXTURE, entry))), { mode: 0o600 });
  }
  return dir;
}

/** What a previous-release file holds, read with plain SQL before the current code touches it. */
function readOld<T>(file: string, query: string): T {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare(query).get() as T;
  } finally {
    db.close();
  }
}

const hasMigrations = (file: string): boolean =>
  readOld<{ n: number }>(file, "SELECT COUNT(*) AS n FROM sqlite_master WHERE name = '__drizzle_migrations'")
    .n === 1;

const sequenceOf = (record: LogRecord): number => Number(record.headers[SEQUENCE_HEADER]);

describe('a data folder of the previous release', () => {
  it('is upgraded in place and the pipeline carries on exactly where it stopped', async () => {
    const dir = unpack();
    const ingestFile = path.join(dir, 'ingest.sqlite');
    const old = {
      links: readOld<{ n: number }>(ingestFile, 'SELECT COUNT(*) AS n FROM identity_links').n,
      lastSequence: readOld<{ seq: number }>(
        ingestFile,
        "SELECT seq FROM sqlite_sequence WHERE name = 'ingest_outbox'",
      ).seq,
      epoch: readOld<{ value: string }>(
        ingestFile,
        "SELECT value FROM ingest_meta WHERE name = 'producerEpoch'",
      ).value,
    };
    expect(hasMigrations(ingestFile)).toBe(false);
    expect(old.links).toBeGreaterThan(0);

    const log = createEmbeddedLog({ path: path.join(dir, 'log.sqlite'), pollIntervalMs: 20 });
    const pipeline = createPipeline({ log, dataDir: dir, secrets: loadOrCreateSecrets(dir) });
    try {
      await pipeline.start();
      // The counters moved with the state: nothing was read again.
      expect(pipeline.stats().ingest).toEqual({
        processed: 160,
        events: 143,
        deadLettered: 3,
        duplicates: 0,
        consentChanges: 8,
        campaigns: 4,
        inventory: 0,
        instore: 0,
      });
      expect(pipeline.ingest.identity.linkCount()).toBe(old.links);

      await writeToLog(log, simulate({ seed: 8, shoppers: 60, events: 80, idPrefix: 'after-upgrade-' }));
      await waitFor(async () => pipeline.stats().ingest.processed === 240 && (await pipeline.caughtUp()), {
        timeout: 90_000,
        message: 'the upgraded pipeline caught up with the new input',
      });

      const events = await readTopic(log, TOPICS.events);
      const consent = await readTopic(log, TOPICS.consent);
      const fromIngest = [...events, ...consent].filter((record) =>
        record.headers[PRODUCER_HEADER]?.startsWith('ingest/'),
      );
      // One producer id across the upgrade, and new outputs numbered after every old one.
      expect(new Set(fromIngest.map((record) => record.headers[PRODUCER_HEADER]))).toEqual(
        new Set([`ingest/${old.epoch}`]),
      );
      const newRecords = fromIngest.filter((record) => sequenceOf(record) > old.lastSequence);
      expect(newRecords.length).toBeGreaterThan(60);
      expect(new Set(fromIngest.map(sequenceOf)).size).toBe(fromIngest.length);
      // Downstream applied every record of its inputs once: the old ones before the upgrade, the new after.
      const segments = pipeline.stats().segments;
      expect(segments.repeats).toBe(0);
      expect(segments.records).toBe(events.length + consent.length);
      expect((await log.endOffsets(RAW_TOPICS.loyalty)).reduce((sum, end) => sum + end, 0)).toBeGreaterThan(
        0,
      );
    } finally {
      await pipeline.stop();
      await log.close();
    }
    for (const file of ['ingest.sqlite', 'log.sqlite', 'state/segments/partition-0.sqlite'])
      expect(hasMigrations(path.join(dir, file)), file).toBe(true);
    expect(
      readOld<{ n: number }>(
        ingestFile,
        "SELECT COUNT(*) AS n FROM sqlite_master WHERE name LIKE 'ingest_o%'",
      ).n,
    ).toBe(0);
  }, 180_000);

  it('keeps budgets, contracts, partner keys, the audit log and the release state', async () => {
    const dir = unpack();
    const secrets = loadOrCreateSecrets(dir);

    const ledger = createBudgetLedger(path.join(dir, 'budgets.sqlite'));
    expect(
      ledger.preview({
        partnerId: 'burger-barn',
        contractVersion: 'v-fixture',
        window: 'month',
        epsilonLimit: 3,
        at: new Date('2026-11-30T12:00:00Z'),
      }).epsilonSpent,
    ).toBe(0.5);
    ledger.close();

    const registry = createContractRegistry(path.join(dir, 'contracts.sqlite'));
    expect(
      registry
        .all()
        .map((entry) => entry.contract.partnerId)
        .sort(),
    ).toEqual(['burger-barn', 'fresh-oats', 'sparkle-soda']);
    registry.close();

    const keys = createPartnerKeyStore(dir, { hostSecret: secrets.hostSecret });
    // The pseudonym the previous release gave (its epoch-1 salt survived).
    expect(keys.pseudonymFor('fresh-oats', 'subject-fixture')).toBe(
      'HAjgjfJETVJQrnHAB0JPES9cSCA3kbhWe5rcDt3HG6Y',
    );
    keys.close();

    const audit = await openAuditLog({ dataDir: dir });
    expect(audit.size()).toBe(3);
    expect(await audit.verify()).toMatchObject({ valid: true, size: 3 });
    await audit.close();

    const release = openReleaseStore(path.join(dir, 'release.sqlite'));
    expect(release.activationHistory('fresh-oats', 'plant-based-buyers')).toHaveLength(1);
    release.close();

    for (const file of ['budgets.sqlite', 'contracts.sqlite', 'partner-keys.sqlite', 'audit.sqlite'])
      expect(hasMigrations(path.join(dir, file)), file).toBe(true);
  });
});
