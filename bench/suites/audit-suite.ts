/**
 * Audit log: appends/s with a signed tree head every 1,000 entries and verification entries/s
 * (`measureAudit`), against raw SQLite inserts of rows of the same size, one commit each, in WAL with the same
 * `synchronous=FULL`; and verification against reading the same rows back and hashing each once.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import {
  createAuditLog,
  digestRequest,
  generateAuditSigningKey,
  measureAudit,
} from '../../policies/audit/index.ts';
import { openDatabase } from '../../schema/db/index.ts';
import { repeat } from '../stats.ts';
import type { Suite } from '../types.ts';
import { figure } from './support/figures.ts';

const SUITE = 'audit';

/** Size in bytes of one stored entry and its leaf hash, measured by appending one decision to a real log. */
async function storedEntrySize(dir: string): Promise<{ entryBytes: number; hashBytes: number }> {
  const file = path.join(dir, 'size-probe.sqlite');
  const { key } = await generateAuditSigningKey();
  const log = createAuditLog({ path: file, signingKey: key, sthIntervalMs: 0 });
  log.append({
    principal: { id: 'fresh-oats', role: 'BRAND' },
    action: 'segmentSize',
    resource: 'segment:bench-0',
    inputDigest: digestRequest({ query: 'segmentSize', segmentId: 'bench' }),
    effect: 'ALLOW',
    obligations: [
      { kind: 'threshold', k: 50 },
      { kind: 'noise', epsilon: 0.1 },
    ],
    reasons: ['contract fresh-oats shares this segment'],
    contractVersion: 'sha256-bench',
    resultSummary: { rows: 1, suppressedRows: 0, epsilonSpent: 0.1 },
  });
  await log.flush();
  await log.close();
  const db = new Database(file, { readonly: true });
  const row = db
    .prepare('SELECT length(entry) AS entryBytes, length(leaf_hash) AS hashBytes FROM audit_entries')
    .get() as {
    entryBytes: number;
    hashBytes: number;
  };
  db.close();
  return row;
}

/**
 * Raw inserts into the audit table itself (a fresh file with the audit migrations, no Merkle tree, no
 * signatures), one commit each, then a read-back-and-hash pass; returns both rates.
 */
function rawSqlite(file: string, n: number, size: { entryBytes: number; hashBytes: number }) {
  const { sqlite: db } = openDatabase(file, 'audit', { synchronous: 'FULL' });
  const insert = db.prepare(
    "INSERT INTO audit_entries (sequence, decision_id, at, principal_id, action, effect, entry, leaf_hash) VALUES (?, '', '', '', '', '', ?, ?)",
  );
  const entry = Buffer.alloc(size.entryBytes, 0x61);
  const hash = Buffer.alloc(size.hashBytes, 0x01);
  const started = performance.now();
  for (let i = 0; i < n; i += 1) insert.run(i, entry, hash);
  const insertsPerSecond = (n * 1000) / (performance.now() - started);
  const readStarted = performance.now();
  for (const row of db.prepare('SELECT entry FROM audit_entries ORDER BY sequence').iterate() as Iterable<{
    entry: Buffer;
  }>) {
    createHash('sha256').update(row.entry).digest();
  }
  const hashedPerSecond = (n * 1000) / (performance.now() - readStarted);
  db.close();
  return { insertsPerSecond, hashedPerSecond };
}

export const auditSuite: Suite = {
  name: SUITE,
  async run(context) {
    // Every append is its own fsync'd commit (synchronous=FULL): thousands, not millions, per run.
    const n = context.quick ? 1_000 : 3_000;
    const repetitions = context.quick ? 1 : context.repetitions;
    const dir = fs.mkdtempSync(path.join(context.workDir, 'audit-'));
    const size = await storedEntrySize(dir);
    context.progress(`  audit: ${n} entries of ${size.entryBytes} bytes, ${repetitions} repetitions`);
    const raw = { inserts: [] as number[], hashed: [] as number[] };
    const baselineInserts = await repeat(repetitions, async (rep) => {
      const result = rawSqlite(path.join(dir, `raw-${rep}.sqlite`), n, size);
      raw.hashed.push(result.hashedPerSecond);
      return result.insertsPerSecond;
    });
    const baselineHashed = await repeat(raw.hashed.length, async (rep) => raw.hashed[rep] ?? Number.NaN);
    const verified: number[] = [];
    const appends = await repeat(repetitions, async () => {
      const result = await measureAudit(n, { synchronous: 'FULL' });
      if (!result.valid) throw new Error('the audit log did not verify after the benchmark appends');
      verified.push(result.verifiedEntriesPerSecond);
      return result.appendsPerSecond;
    });
    const verification = await repeat(verified.length, async (rep) => verified[rep] ?? Number.NaN);
    fs.rmSync(dir, { recursive: true, force: true });
    return {
      figures: [
        figure(SUITE, 'appends, signed tree head every 1,000 (synchronous=FULL)', 'entries/s', appends, {
          baseline: { name: 'raw SQLite inserts, same row size, WAL, FULL', value: baselineInserts },
        }),
        figure(SUITE, 'verification', 'entries/s', verification, {
          baseline: { name: 'read rows back and SHA-256 each once', value: baselineHashed },
        }),
      ],
    };
  },
};
