/**
 * A small benchmark of the audit log for the bench harness: appends/s with a tree head signed every
 * 1,000 entries (synchronous=FULL, as in production) one at a time (`append`) and with 64 in flight
 * (`appendAsync`, group commit), and verification entries/s over the resulting log.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { digestRequest } from './audit-entry.ts';
import type { AuditDecision } from './audit-entry.ts';
import { createAuditLog } from './audit-log.ts';
import { generateAuditSigningKey } from './signing-key.ts';

/** Figures of one {@link measureAudit} run. */
export interface AuditMeasurement {
  /** Entries appended by each of the two methods. */
  entries: number;
  /** `append`, one durable commit per entry. */
  appendsPerSecond: number;
  /** `appendAsync` with 64 appends in flight (group commit). */
  groupCommitAppendsPerSecond: number;
  /** `verify()` over all 2 × entries. */
  verifiedEntriesPerSecond: number;
  treeHeads: number;
  valid: boolean;
}

const IN_FLIGHT = 64;

function benchDecision(i: number, inputDigest: string): AuditDecision {
  return {
    principal: { id: 'fresh-oats', role: 'BRAND' },
    action: 'segment.size',
    resource: `segment:bench-${i % 10}`,
    inputDigest,
    effect: 'allow',
    obligations: { thresholdK: 50, noiseEpsilon: 0.1 },
    reasons: ['contract fresh-oats shares this segment'],
    contractVersion: 'sha256-bench',
    resultSummary: { rows: 1, suppressedRows: 0, epsilonSpent: 0.1 },
  };
}

/**
 * Append `n` decisions with `append` and `n` more with `appendAsync` to a fresh log in a temporary
 * directory, verify it, and report the rates. The directory is removed afterwards.
 */
export async function measureAudit(
  n: number,
  options: { synchronous?: 'FULL' | 'NORMAL' } = {},
): Promise<AuditMeasurement> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cleanroom-audit-bench-'));
  const { key } = await generateAuditSigningKey();
  const log = createAuditLog({
    path: path.join(dir, 'audit.sqlite'),
    signingKey: key,
    sthEvery: 1000,
    sthIntervalMs: 0,
    synchronous: options.synchronous ?? 'FULL',
  });
  try {
    const inputDigest = digestRequest({ query: 'segmentSize', segmentId: 'bench' });
    const started = performance.now();
    for (let i = 0; i < n; i += 1) log.append(benchDecision(i, inputDigest));
    await log.flush();
    const appendSeconds = (performance.now() - started) / 1000;

    const groupStarted = performance.now();
    for (let i = 0; i < n; i += IN_FLIGHT) {
      const batch = Math.min(IN_FLIGHT, n - i);
      await Promise.all(
        Array.from({ length: batch }, (_, j) => log.appendAsync(benchDecision(i + j, inputDigest))),
      );
    }
    await log.flush();
    const groupSeconds = (performance.now() - groupStarted) / 1000;

    const verifyStarted = performance.now();
    const verification = await log.verify();
    const verifySeconds = (performance.now() - verifyStarted) / 1000;
    return {
      entries: n,
      appendsPerSecond: Math.round(n / appendSeconds),
      groupCommitAppendsPerSecond: Math.round(n / groupSeconds),
      verifiedEntriesPerSecond: Math.round((2 * n) / verifySeconds),
      treeHeads: verification.treeHeadsChecked,
      valid: verification.valid,
    };
  } finally {
    await log.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
