/**
 * A cluster on one machine, with real processes: a Kafka broker this test starts for itself, a real PostgreSQL
 * (test/helpers/postgres.ts), one `serve --role processors` process fed by its simulator, and three
 * `serve --role gateway` replicas, each with a data folder of its own and the same secrets, sharing the control
 * plane through `CLEANROOM_DATABASE_URL`. A partner's 100 concurrent paid queries spread over the three replicas
 * stop at exactly its budget; a replica SIGKILLed mid-burst spends nothing it did not answer for.
 */
import { cpSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadOrCreateDevKeyPair, mintDevToken } from '../../gateway/index.ts';
import {
  effectiveBudget,
  effectiveEpsilon,
  loadContracts,
  loadOrCreateSecrets,
} from '../../policies/index.ts';
import { loadOrCreateAuditSigningKey } from '../../policies/audit/index.ts';
import {
  brokerUnavailableReason,
  freePort,
  startBroker,
  stopBroker,
} from '../../scripts/kafka/broker-control.mjs';
import { createTestDatabase, postgresSkipReason } from '../helpers/postgres.ts';
import { graphql, startServe } from '../helpers/serve-process.ts';
import type { ServeProcess } from '../helpers/serve-process.ts';
import { createTempDir, removeTempDir } from '../helpers/temp-dir.ts';

const CONTRACTS = join(import.meta.dirname, '..', '..', 'examples', 'contracts');
const cleanups: Array<() => Promise<unknown>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

/** Outcome of one paid query: answered (a noised size, or a paid BELOW_THRESHOLD), or refused. */
type Outcome = 'charged' | 'BUDGET_EXHAUSTED' | 'failed';

async function sizeQuery(replica: ServeProcess, token: string, segmentId: string): Promise<Outcome> {
  try {
    const response = await graphql<{ segmentSize: { value: number; epsilonSpent: number } }>(
      replica.graphqlUrl,
      token,
      `query { segmentSize(segmentId: "${segmentId}") { value epsilonSpent } }`,
    );
    const code = response.errors?.[0]?.extensions?.code;
    if (response.data?.segmentSize) return 'charged';
    if (code === 'BELOW_THRESHOLD') return 'charged';
    if (code === 'BUDGET_EXHAUSTED') return 'BUDGET_EXHAUSTED';
    return 'failed';
  } catch {
    // The replica was killed while the request was in flight.
    return 'failed';
  }
}

describe.skipIf(postgresSkipReason() !== undefined)(
  'gateway replicas on one PostgreSQL control plane',
  () => {
    it('spend a partner budget exactly once across three replicas, even when one is killed mid-burst', async () => {
      expect(brokerUnavailableReason(), 'a local Kafka broker can run here').toBeUndefined();
      const dir = createTempDir('cluster');
      cleanups.push(async () => removeTempDir(dir));
      const brokerDir = join(dir, 'broker');
      const broker = await startBroker({
        port: await freePort(),
        dir: brokerDir,
        stopWithParent: process.pid,
      });
      cleanups.push(() => stopBroker({ dir: brokerDir, graceMs: 2_000 }));
      const database = await createTestDatabase('cluster');
      cleanups.push(() => database.drop());

      // The operator's one set of secrets, copied to every process's data folder.
      const seed = join(dir, 'seed');
      loadOrCreateSecrets(seed);
      await loadOrCreateAuditSigningKey(seed);
      const devKeys = await loadOrCreateDevKeyPair(seed);
      const dataDir = (name: string): string => {
        const folder = join(dir, name);
        mkdirSync(folder, { recursive: true, mode: 0o700 });
        cpSync(join(seed, 'secrets'), join(folder, 'secrets'), { recursive: true });
        return folder;
      };
      const kafkaEnv = { KAFKA_BROKERS: broker.brokers };

      const processors = await startServe({
        dataDir: dataDir('processors'),
        args: ['--role', 'processors', '--simulate', '--rate', '200', '--contracts', CONTRACTS],
        env: kafkaEnv,
        withoutGateway: true,
        timeoutMs: 120_000,
      });
      cleanups.push(() => processors.stop());
      expect(processors.stdout()).toContain('cleanroom is running (role processors)');

      const replicas = await Promise.all(
        [1, 2, 3].map((index) =>
          startServe({
            dataDir: dataDir(`gateway-${index}`),
            args: ['--role', 'gateway', '--dev-tokens', '--contracts', CONTRACTS],
            env: { ...kafkaEnv, CLEANROOM_DATABASE_URL: database.url },
            timeoutMs: 120_000,
          }),
        ),
      );
      for (const replica of replicas) cleanups.push(() => replica.stop());
      for (const replica of replicas)
        expect(replica.stdout()).toContain('PostgreSQL (shared by every gateway replica)');

      const loaded = loadContracts(CONTRACTS);
      /** A partner's token, its budget, what one query costs and how many queries the budget affords. */
      const partner = async (partnerId: string) => {
        const contract = loaded.contracts.find((entry) => entry.contract.partnerId === partnerId)!.contract;
        const { epsilonLimit } = effectiveBudget(loaded.host, contract);
        const epsilonPerQuery = effectiveEpsilon(loaded.host, contract);
        const token = await mintDevToken(devKeys, { partnerId, role: 'BRAND', ttl: '1h' });
        const budget = async (replica: ServeProcess) => {
          const response = await graphql<{
            privacyBudget: { epsilonSpent: number; epsilonRemaining: number };
          }>(replica.graphqlUrl, token, 'query { privacyBudget { epsilonSpent epsilonRemaining } }');
          expect(response.errors).toBeUndefined();
          return response.data!.privacyBudget;
        };
        return {
          token,
          epsilonLimit,
          epsilonPerQuery,
          affordable: Math.round(epsilonLimit / epsilonPerQuery),
          budget,
        };
      };
      const count = (outcomes: Outcome[], wanted: Outcome): number =>
        outcomes.filter((outcome) => outcome === wanted).length;

      // Fresh Oats: 100 paid queries at once, round robin over the three replicas, stop at exactly its budget.
      const oats = await partner('fresh-oats');
      expect(oats.affordable).toBeLessThan(100);
      const burst = await Promise.all(
        Array.from({ length: 100 }, (_, index) =>
          sizeQuery(replicas[index % 3]!, oats.token, 'plant-based-buyers'),
        ),
      );
      expect(count(burst, 'failed')).toBe(0);
      expect(count(burst, 'charged')).toBe(oats.affordable);
      expect(count(burst, 'BUDGET_EXHAUSTED')).toBe(100 - oats.affordable);
      for (const replica of replicas) {
        expect(await oats.budget(replica)).toEqual({ epsilonSpent: oats.epsilonLimit, epsilonRemaining: 0 });
      }

      // Sparkle Soda: the third replica is SIGKILLed 40 requests into a burst. Whatever it spent before dying stays
      // spent (it may have died after the commit and before its answer); the two others then take the rest, and the
      // answers the partner got never pass what its budget affords.
      const soda = await partner('sparkle-soda');
      expect(soda.affordable).toBeLessThan(100);
      const doomed = replicas[2]!;
      const interrupted = await Promise.all(
        Array.from({ length: 100 }, async (_, index) => {
          if (index === 40) doomed.child.kill('SIGKILL');
          return sizeQuery(replicas[index % 3]!, soda.token, 'lapsed-soda-buyers');
        }),
      );
      const answered = count(interrupted, 'charged');
      const spent = (await soda.budget(replicas[0]!)).epsilonSpent;
      expect(spent).toBeLessThanOrEqual(soda.epsilonLimit);
      expect(spent).toBeGreaterThanOrEqual(answered * soda.epsilonPerQuery - 1e-9);
      const rest = await Promise.all(
        Array.from({ length: 100 }, (_, index) =>
          sizeQuery(replicas[index % 2]!, soda.token, 'lapsed-soda-buyers'),
        ),
      );
      expect(count(rest, 'failed')).toBe(0);
      expect(count(rest, 'charged')).toBeCloseTo(soda.affordable - spent / soda.epsilonPerQuery, 6);
      expect(answered + count(rest, 'charged')).toBeLessThanOrEqual(soda.affordable);
      for (const replica of replicas.slice(0, 2)) {
        expect(await soda.budget(replica)).toEqual({ epsilonSpent: soda.epsilonLimit, epsilonRemaining: 0 });
      }
    }, 300_000);
  },
);
