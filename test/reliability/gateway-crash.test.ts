/**
 * The gateway process SIGKILLed (3 times) during a burst of audited decisions and restarted on the same data:
 * the audit log verifies, and every answer a client received has its decision in the log (an answer is never
 * released before its entry is durable).
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createAuditLog, loadOrCreateAuditSigningKey } from '../../policies/index.ts';
import type { AuditEntry } from '../../policies/index.ts';
import { brandContract, codes } from '../gateway/support/harness.ts';
import { createTempDir, removeTempDir } from '../helpers/temp-dir.ts';
import { killAllChildren } from './support/child-process.ts';
import { recordFigure } from './support/figures.ts';
import { gql, startGatewayProcess, tokenFor } from './support/gateway-process.ts';
import { createSeededRandom, suiteSeed } from './support/seeded-random.ts';

const KILLS = 3;
const CLIENTS = 16;
const dirs: string[] = [];

afterEach(async () => {
  await killAllChildren();
  for (const dir of dirs.splice(0)) removeTempDir(dir);
});

async function readAudit(dataDir: string): Promise<{ entries: AuditEntry[]; valid: boolean; size: number }> {
  const auditLog = createAuditLog({
    path: join(dataDir, 'audit.sqlite'),
    signingKey: await loadOrCreateAuditSigningKey(dataDir),
    sthIntervalMs: 0,
  });
  try {
    const verification = await auditLog.verify();
    const entries: AuditEntry[] = [];
    let after: string | null = null;
    for (;;) {
      const page = auditLog.list({}, 1_000, after);
      entries.push(...page.edges.map((edge) => edge.node));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    return { entries, valid: verification.valid, size: verification.size };
  } finally {
    await auditLog.close();
  }
}

describe('the gateway killed with SIGKILL during a burst of audited decisions', () => {
  it('keeps a verifiable audit log holding the decision of every answer released', async () => {
    const random = createSeededRandom(suiteSeed());
    const dataDir = createTempDir('gateway-crash');
    dirs.push(dataDir);
    const config = {
      logPath: join(dataDir, 'log.sqlite'),
      dataDir,
      contracts: [brandContract('brand-burst', { segments: ['seg-shared'] })],
    };
    /** Unique resource ids of denied answers received, and how many allowed `segments` answers arrived. */
    const deniedReceived: string[] = [];
    let allowedReceived = 0;
    let lost = 0;
    const restartMs: number[] = [];
    let sequence = 0;

    for (let round = 0; round <= KILLS; round += 1) {
      const started = performance.now();
      const gateway = await startGatewayProcess(config);
      restartMs.push(Math.round(performance.now() - started));
      const token = await tokenFor(dataDir, 'brand-burst', 'BRAND');
      let stopping = false;
      const client = async (): Promise<void> => {
        while (!stopping) {
          sequence += 1;
          const id = `burst-${round}-${sequence}`;
          const allowed = sequence % 2 === 0;
          try {
            const response = allowed
              ? await gql(gateway.url, '{ segments { id } }', {}, token)
              : await gql(
                  gateway.url,
                  'query ($id: ID!) { segmentSize(segmentId: $id) { value } }',
                  { id },
                  token,
                );
            if (allowed && response.data?.['segments']) allowedReceived += 1;
            else if (!allowed && codes(response).includes('FORBIDDEN')) deniedReceived.push(id);
            else throw new Error(`unexpected answer ${JSON.stringify(response)}`);
          } catch (error) {
            if (error instanceof Error && error.message.startsWith('unexpected')) throw error;
            lost += 1; // the connection died with the process: nothing was received
            if (gateway.child.process.exitCode !== null || gateway.child.process.signalCode !== null) return;
          }
        }
      };
      const clients = Array.from({ length: CLIENTS }, () => client());
      if (round < KILLS) {
        await new Promise((resolve) => setTimeout(resolve, random.int(500, 2_000)));
        await gateway.child.kill('SIGKILL');
        stopping = true;
        await Promise.all(clients);
      } else {
        await new Promise((resolve) => setTimeout(resolve, 500));
        stopping = true;
        await Promise.all(clients);
        await gateway.child.kill('SIGTERM');
      }
    }

    const audit = await readAudit(dataDir);
    expect(audit.valid).toBe(true);
    expect(audit.size).toBe(audit.entries.length);
    const deniedLogged = new Set(
      audit.entries
        .filter((entry) => entry.action === 'segment.size' && entry.effect === 'deny')
        .map((entry) => entry.resource),
    );
    const missing = deniedReceived.filter(
      (id) => ![...deniedLogged].some((resource) => resource.endsWith(id)),
    );
    expect(missing, 'denied answers without their entry').toEqual([]);
    const allowedLogged = audit.entries.filter(
      (entry) => entry.action === 'segments.list' && entry.effect === 'allow',
    ).length;
    expect(allowedLogged).toBeGreaterThanOrEqual(allowedReceived);
    expect(deniedReceived.length).toBeGreaterThan(0);
    expect(allowedReceived).toBeGreaterThan(0);
    recordFigure('gateway-crash', {
      seed: random.seed,
      kills: KILLS,
      answersReceived: deniedReceived.length + allowedReceived,
      requestsFailedWithTheProcess: lost,
      auditEntries: audit.entries.length,
      entriesWithoutAnswer: audit.entries.length - deniedReceived.length - allowedReceived,
      startToReadyMs: restartMs,
    });
  }, 240_000);
});
