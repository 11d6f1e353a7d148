/** Shared helpers of the audit tests: temporary directories, sample decisions, polling. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { digestRequest } from '../../../policies/audit/index.ts';
import type { AuditDecision } from '../../../policies/audit/index.ts';

/** A fresh temporary directory, removed by the returned cleanup. */
export function makeTempDir(prefix = 'cleanroom-audit-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

const PRINCIPALS = [
  { id: 'fresh-oats', role: 'BRAND' },
  { id: 'sparkle-soda', role: 'BRAND' },
  { id: 'burger-barn', role: 'QSR' },
  { id: 'dpo', role: 'PRIVACY_OFFICER' },
] as const;

/** A realistic decision, varied by `i` (principal, action, effect). */
export function sampleDecision(i: number, at?: Date): AuditDecision {
  const principal = PRINCIPALS[i % PRINCIPALS.length] ?? PRINCIPALS[0];
  const allowed = i % 3 !== 2;
  return {
    at,
    principal: { ...principal },
    action: i % 2 === 0 ? 'segment.size' : 'campaign.report',
    resource: `segment:s-${i % 7}`,
    inputDigest: digestRequest({ query: 'segmentSize', segmentId: `s-${i % 7}`, n: i }),
    effect: allowed ? 'allow' : 'deny',
    code: allowed ? null : 'FORBIDDEN',
    obligations: allowed ? { thresholdK: 50, noiseEpsilon: 0.5 } : {},
    reasons: allowed ? ['contract shares the segment'] : ['segment not in contract'],
    contractVersion: allowed ? 'sha256-abc123' : null,
    resultSummary: allowed
      ? { rows: 3, suppressedRows: 1, epsilonSpent: 0.5 }
      : { rows: 0, suppressedRows: 0, epsilonSpent: 0 },
  };
}

/** Poll `check` until it returns a value other than `undefined`/`false`, or fail after `timeout` ms. */
export async function waitFor<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  { timeout = 10_000, interval = 20 }: { timeout?: number; interval?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`waitFor: condition not met within ${timeout} ms`);
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}
