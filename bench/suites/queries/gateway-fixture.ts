/**
 * A gateway for the query and subscription benchmarks: the real policies/ services (contract registry, engine,
 * SQLite audit log with synchronous=FULL, budget ledger, identity, partner keys) on an embedded log, like
 * `cleanroom serve`, opened by the gateway tests' own fixture module (test/gateway/support) rather than a copy. Read models are filled by producing `cleanroom.*` records straight to the log.
 *
 * The brand contract spends 0.000001 epsilon per query from a 100-epsilon daily budget (the host's default
 * budget is raised to match): 100,000,000 queries before it runs out, so the benchmark measures the full brand
 * path (threshold, noise, budget spend, audit) without ever hitting BUDGET_EXHAUSTED.
 */
import path from 'node:path';
import { createGateway, mintDevToken } from '../../../gateway/index.ts';
import type { Gateway } from '../../../gateway/index.ts';
import { aggregate, campaign } from '../../../test/gateway/support/harness.ts';
import { openRealPolicies } from '../../../test/gateway/support/real-policies.ts';
import { createEmbeddedLog } from '../../../processors/runtime/index.ts';
import type { Log } from '../../../processors/runtime/index.ts';
import { TOPICS } from '../../../schema/index.ts';

/** The brand the benchmarks query as, its segment and its campaign. */
export const BENCH_BRAND = 'bench-brand';
export const BENCH_SEGMENT = 'seg-bench';
export const BENCH_CAMPAIGN = 'cmp-bench';

/** A running benchmark gateway. */
export interface BenchGateway {
  gateway: Gateway;
  log: Log;
  url: string;
  brandToken: string;
  adminToken: string;
  close(): Promise<void>;
}

/** Start the gateway on 127.0.0.1 with its data under `dataDir`. */
export async function startBenchGateway(
  dataDir: string,
  options: {
    maxSubscriptions?: number;
    log?: Log;
    groupId?: string;
    /** The audit log's fsync level (default FULL, as in production); NORMAL only for a what-if profile. */
    auditSynchronous?: 'FULL' | 'NORMAL';
  } = {},
): Promise<BenchGateway> {
  const ownLog = options.log === undefined;
  const log =
    options.log ??
    createEmbeddedLog({
      path: path.join(dataDir, 'log.sqlite'),
      pollIntervalMs: 5,
      heartbeatIntervalMs: 100,
    });
  const policies = await openRealPolicies(dataDir, [], {
    host: {
      dp: {
        maxEpsilonPerQuery: 1,
        defaultEpsilonPerQuery: 0.5,
        defaultBudget: { epsilon: 100, window: 'day' },
      },
    },
    principals: [{ id: 'bench-admin', role: 'HOST_ADMIN' }],
    contractInputs: [
      {
        partnerId: BENCH_BRAND,
        kind: 'BRAND',
        purposes: ['measurement', 'activation'],
        visibility: {
          segments: [BENCH_SEGMENT],
          campaigns: { own: true, ids: [BENCH_CAMPAIGN] },
          triggers: { categories: [], regions: [] },
        },
        kThreshold: 50,
        dp: { epsilonPerQuery: 0.000001, budget: { epsilon: 100, window: 'day' } },
        pseudonymousSignals: true,
        rateLimit: { requestsPerMinute: 100_000, maxSubscriptions: options.maxSubscriptions ?? 10 },
      },
    ],
    ...(options.auditSynchronous === undefined ? {} : { auditSynchronous: options.auditSynchronous }),
  });
  const ports = policies.ports;
  const gateway = await createGateway({
    log,
    dataDir,
    ...ports,
    auth: { hostPrincipals: ['bench-admin'] },
    limits: { maxBufferedPerSubscriber: 10_000 },
    ...(options.groupId ? { groupId: options.groupId } : {}),
  });
  const { url } = await gateway.listen(0, '127.0.0.1');
  const devKeys = gateway.devKeys;
  if (devKeys === null) throw new Error('the bench gateway needs the development signing key');
  return {
    gateway,
    log,
    url,
    brandToken: await mintDevToken(devKeys, { partnerId: BENCH_BRAND, role: 'BRAND', ttl: '2h' }),
    adminToken: await mintDevToken(devKeys, { partnerId: 'bench-admin', role: 'HOST_ADMIN', ttl: '2h' }),
    async close() {
      await gateway.close();
      await policies.close();
      if (ownLog) await log.close();
    },
  };
}

/** Fill the read models: `members` subjects in the bench segment, the bench campaign and its daily aggregates. */
export async function fillReadModels(log: Log, members: number, days: number): Promise<void> {
  const at = '2026-11-01T12:00:00.000Z';
  const changes = Array.from({ length: members }, (_, index) => {
    const subjectId = `bench-subject-${index}`;
    const change = {
      changeId: `seg:${BENCH_SEGMENT}:${subjectId}:1`,
      segmentId: BENCH_SEGMENT,
      subjectId,
      action: 'entered',
      at,
      cause: 'event',
      segmentSize: index + 1,
      partnerSharing: true,
    };
    return { key: subjectId, value: JSON.stringify(change) };
  });
  await log.produce(TOPICS.segmentChanges, changes);
  const info = { ...campaign(BENCH_CAMPAIGN, BENCH_BRAND), startsAt: '2026-10-01T00:00:00Z' };
  await log.produce(TOPICS.campaigns, [{ key: BENCH_CAMPAIGN, value: JSON.stringify(info) }]);
  const aggregates = [];
  for (let day = 0; day < days; day += 1) {
    const date = new Date(Date.UTC(2026, 9, 1 + day)).toISOString().slice(0, 10);
    for (const channel of ['online', 'store'] as const) {
      const value = aggregate(BENCH_CAMPAIGN, date, channel, 200 + day * 10);
      aggregates.push({ key: BENCH_CAMPAIGN, value: JSON.stringify(value) });
    }
  }
  await log.produce(TOPICS.attributions, aggregates);
}
