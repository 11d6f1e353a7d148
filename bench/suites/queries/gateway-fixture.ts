/**
 * A gateway for the query and subscription benchmarks: the real policies/ services (contract registry, engine,
 * SQLite audit log with synchronous=FULL, budget ledger, identity, partner keys) on an embedded log, like
 * `cleanroom serve`, opened by the gateway tests' own fixture module (test/gateway/support) rather than a copy. Read models are filled by producing `cleanroom.*` records straight to the log.
 *
 * Each brand contract spends 0.002 epsilon per query (a campaign report, a table of three measures and its counts,
 * four times that) from a 100-epsilon daily budget, the most a contract may hold (the host's default budget is
 * raised to match): 12,500 reports before it runs out. A load run at 2,000 requests/s for 4 s sends up to 8,000,
 * so the benchmark gives each run a brand of its own (`brandTokens`) and measures the full brand path (charge,
 * noise, threshold on the noised value, audit) without ever hitting BUDGET_EXHAUSTED. The segment and the
 * campaign's days are large enough (20,000 members, 50,000 exposed subjects a day and channel) that their noised
 * values clear the thresholds: the report's rows are released, as a large retailer's would be.
 */
import path from 'node:path';
import { createGateway, mintDevToken } from '../../../gateway/index.ts';
import type { Gateway } from '../../../gateway/index.ts';
import { aggregate, campaign, consentChange } from '../../../test/gateway/support/harness.ts';
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
  /** The token of {@link BENCH_BRAND}. */
  brandToken: string;
  /** One token per brand (the first is {@link BENCH_BRAND}'s), each brand with a budget of its own. */
  brandTokens: string[];
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
    /** How many brands (default 1): {@link BENCH_BRAND}, then `bench-brand-1`, `bench-brand-2`, ... */
    brands?: number;
  } = {},
): Promise<BenchGateway> {
  const brandIds = Array.from({ length: options.brands ?? 1 }, (_, index) =>
    index === 0 ? BENCH_BRAND : `${BENCH_BRAND}-${index}`,
  );
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
    contractInputs: brandIds.map((partnerId) => ({
      partnerId,
      kind: 'BRAND',
      purposes: ['measurement', 'activation'],
      visibility: {
        segments: [BENCH_SEGMENT],
        campaigns: { own: true, ids: [BENCH_CAMPAIGN] },
        triggers: { categories: [], regions: [] },
      },
      kThreshold: 50,
      dp: { epsilonPerQuery: 0.002, budget: { epsilon: 100, window: 'day' } },
      pseudonymousSignals: true,
      rateLimit: { requestsPerMinute: 100_000, maxSubscriptions: options.maxSubscriptions ?? 10 },
    })),
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
  const brandTokens = await Promise.all(
    brandIds.map((partnerId) => mintDevToken(devKeys, { partnerId, role: 'BRAND', ttl: '2h' })),
  );
  return {
    gateway,
    log,
    url,
    brandToken: brandTokens[0]!,
    brandTokens,
    adminToken: await mintDevToken(devKeys, { partnerId: 'bench-admin', role: 'HOST_ADMIN', ttl: '2h' }),
    async close() {
      await gateway.close();
      await policies.close();
      if (ownLog) await log.close();
    },
  };
}

/**
 * Fill the read models: `members` subjects in the bench segment, each first described by a consent record with
 * measurement and partner sharing (as ingest describes every loyalty member; a subject without one has the host's
 * default consent, none, and is not counted), the bench campaign and its daily aggregates.
 */
export async function fillReadModels(log: Log, members: number, days: number): Promise<void> {
  const at = '2026-11-01T12:00:00.000Z';
  await log.produce(
    TOPICS.consent,
    Array.from({ length: members }, (_, index) => {
      const subjectId = `bench-subject-${index}`;
      return { key: subjectId, value: JSON.stringify(consentChange(subjectId, true)) };
    }),
  );
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
      const value = aggregate(BENCH_CAMPAIGN, date, channel, 50_000 + day * 100);
      aggregates.push({ key: BENCH_CAMPAIGN, value: JSON.stringify(value) });
    }
  }
  await log.produce(TOPICS.attributions, aggregates);
}
