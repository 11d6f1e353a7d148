/**
 * The decision log as the privacy officer reads it, on the real Merkle audit log (SQLite) through its gateway
 * adapter: filters in any case, the filters the store cannot apply (role, code, own reads), both orders with
 * pagination, the bounded scan, and the histogram behind the console's charts.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuditAdapter } from '../../../gateway/policy-adapters.ts';
import type { AuditEntry, AuditEntryInput, AuditPort } from '../../../gateway/index.ts';
import {
  SCAN_LIMIT,
  decisionHistogram,
  listDecisions,
  parseDecisionFilter,
} from '../../../gateway/resolvers/decision-query.ts';
import type { DecisionFilterInput } from '../../../gateway/decision-log-api.ts';
import { createAuditLog } from '../../../policies/index.ts';
import type { AuditLog } from '../../../policies/index.ts';
import { createTempDir, removeTempDir } from '../../helpers/temp-dir.ts';

const T0 = Date.parse('2026-03-02T10:00:00.000Z');

/** The decisions of a small, known history: who, what, and how it ended, one a second from T0. */
const HISTORY: Array<
  Pick<AuditEntryInput, 'principal' | 'role' | 'action' | 'effect' | 'code'> & { epsilon?: number }
> = [
  { principal: 'contracts-folder', role: null, action: 'contracts.change', effect: 'allow', code: null },
  {
    principal: 'fresh-oats',
    role: 'BRAND',
    action: 'segment.size',
    effect: 'allow',
    code: null,
    epsilon: 0.5,
  },
  { principal: 'fresh-oats', role: 'BRAND', action: 'segment.size', effect: 'deny', code: 'BELOW_THRESHOLD' },
  { principal: 'fresh-oats', role: 'BRAND', action: 'campaign.report', effect: 'deny', code: 'FORBIDDEN' },
  { principal: 'dpo', role: 'PRIVACY_OFFICER', action: 'audit.sth', effect: 'allow', code: null },
  { principal: 'dpo', role: 'PRIVACY_OFFICER', action: 'budget.read', effect: 'allow', code: null },
  {
    principal: 'anonymous',
    role: null,
    action: 'auth.authenticate',
    effect: 'deny',
    code: 'UNAUTHENTICATED',
  },
  {
    principal: 'burger-barn',
    role: 'QSR',
    action: 'triggers.read',
    effect: 'allow',
    code: null,
    epsilon: 0.5,
  },
  { principal: 'dpo', role: 'PRIVACY_OFFICER', action: 'consent.read', effect: 'allow', code: null },
  { principal: 'fresh-oats', role: 'BRAND', action: 'budget.read', effect: 'allow', code: null },
  { principal: 'other-officer', role: 'PRIVACY_OFFICER', action: 'audit.sth', effect: 'allow', code: null },
  {
    principal: 'burger-barn',
    role: 'QSR',
    action: 'triggers.read',
    effect: 'deny',
    code: 'BUDGET_EXHAUSTED',
  },
];

function input(index: number, decision: (typeof HISTORY)[number]): AuditEntryInput {
  return {
    at: new Date(T0 + index * 1_000).toISOString(),
    principal: decision.principal,
    role: decision.role,
    action: decision.action,
    resource: 'test',
    inputDigest: '0'.repeat(64),
    effect: decision.effect,
    code: decision.code,
    obligations: null,
    reasons: [decision.code ?? 'allowed'],
    contractVersion: null,
    result: decision.epsilon === undefined ? null : { epsilonSpent: decision.epsilon },
  };
}

async function allPages(
  audit: AuditPort,
  filter: DecisionFilterInput,
  order: 'OLDEST_FIRST' | 'NEWEST_FIRST',
  first: number,
): Promise<number[]> {
  const parsed = parseDecisionFilter(filter, 'dpo');
  const sequences: number[] = [];
  let after: number | undefined;
  for (let pages = 0; pages < 100; pages += 1) {
    const page = await listDecisions(audit, parsed, {
      order,
      first,
      ...(after !== undefined ? { after } : {}),
    });
    expect(page.entries.length).toBeLessThanOrEqual(first);
    sequences.push(...page.entries.map((entry) => entry.sequence));
    if (!page.hasNextPage) return sequences;
    after = page.continueAfter ?? undefined;
  }
  throw new Error('paging never ended');
}

describe('decision queries on the real audit log', () => {
  let dir: string;
  let log: AuditLog;
  let audit: AuditPort;
  let entries: AuditEntry[];

  beforeAll(async () => {
    dir = createTempDir('decision-query');
    log = createAuditLog({ path: path.join(dir, 'audit.sqlite'), sthIntervalMs: 0 });
    audit = createAuditAdapter(log);
    entries = [];
    for (const [index, decision] of HISTORY.entries())
      entries.push(await audit.append(input(index, decision)));
  });
  afterAll(async () => {
    await log.close();
    removeTempDir(dir);
  });

  /** The expected answer, computed from the known history with plain array filters. */
  const expected = (keep: (decision: (typeof HISTORY)[number]) => boolean): number[] =>
    HISTORY.flatMap((decision, index) => (keep(decision) ? [entries[index]!.sequence] : []));

  it('matches effect, role and code in any case', async () => {
    const denies = expected((decision) => decision.effect === 'deny');
    for (const effect of ['deny', 'DENY', 'Deny', ' deny ']) {
      expect(await allPages(audit, { effect }, 'OLDEST_FIRST', 100)).toEqual(denies);
    }
    expect(await allPages(audit, { code: 'below_threshold' }, 'OLDEST_FIRST', 100)).toEqual(
      expected((decision) => decision.code === 'BELOW_THRESHOLD'),
    );
    expect(await allPages(audit, { code: 'FORBIDDEN' }, 'NEWEST_FIRST', 100)).toEqual(
      expected((decision) => decision.code === 'FORBIDDEN'),
    );
    expect(await allPages(audit, { role: 'qsr' }, 'OLDEST_FIRST', 100)).toEqual(
      expected((decision) => decision.role === 'QSR'),
    );
    expect(await allPages(audit, { code: 'unauthenticated', effect: 'DENY' }, 'OLDEST_FIRST', 100)).toEqual(
      expected((decision) => decision.code === 'UNAUTHENTICATED'),
    );
  });

  it('refuses a value no decision can have, naming the field', () => {
    for (const [filter, field] of [
      [{ effect: 'refused' }, 'filter.effect'],
      [{ role: 'ADMIN' }, 'filter.role'],
      [{ code: 'not a code!' }, 'filter.code'],
      [{ since: 'yesterday' }, 'filter.since'],
    ] as const) {
      expect(() => parseDecisionFilter(filter, 'dpo'), field).toThrow(
        expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', field }) }),
      );
    }
  });

  it("leaves out only the caller's own reads of the audit state", async () => {
    const shown = await allPages(audit, { excludeOwnReads: true }, 'OLDEST_FIRST', 100);
    expect(shown).toEqual(
      expected(
        (decision) =>
          !(
            decision.principal === 'dpo' &&
            ['audit.sth', 'budget.read', 'consent.read'].includes(decision.action)
          ),
      ),
    );
    // A brand's budget read and another officer's are not this console's reads.
    expect(shown).toContain(entries[9]!.sequence);
    expect(shown).toContain(entries[10]!.sequence);
  });

  it('pages newest first as the exact reverse of oldest first, for every filter and page size', async () => {
    const filters: DecisionFilterInput[] = [
      {},
      { effect: 'allow' },
      { principal: 'fresh-oats' },
      { code: 'budget_exhausted' },
      { excludeOwnReads: true, effect: 'ALLOW' },
      { since: new Date(T0 + 3_000).toISOString(), until: new Date(T0 + 9_000).toISOString() },
    ];
    for (const filter of filters) {
      const oldest = await allPages(audit, filter, 'OLDEST_FIRST', 100);
      for (const first of [1, 2, 5]) {
        expect(await allPages(audit, filter, 'OLDEST_FIRST', first), JSON.stringify(filter)).toEqual(oldest);
        expect(await allPages(audit, filter, 'NEWEST_FIRST', first), JSON.stringify(filter)).toEqual(
          [...oldest].reverse(),
        );
      }
    }
  });

  it('treats since as inclusive and until as exclusive', async () => {
    const since = new Date(T0 + 3_000).toISOString();
    const until = new Date(T0 + 6_000).toISOString();
    expect(await allPages(audit, { since, until }, 'NEWEST_FIRST', 100)).toEqual([5, 4, 3]);
  });

  it('counts decisions per bucket, principal and effect with the budget they spent', async () => {
    const histogram = await decisionHistogram(
      audit,
      { since: new Date(T0).toISOString(), bucketSeconds: 5, excludeOwnReads: true, callerId: 'dpo' },
      new Date(T0 + 60_000),
    );
    expect(histogram.truncated).toBe(false);
    expect(histogram.examined).toBe(HISTORY.length);
    const byKey = Object.fromEntries(
      histogram.buckets.map((bucket) => [
        `${bucket.start.slice(11, 19)} ${bucket.principal} ${bucket.effect}`,
        [bucket.count, bucket.epsilonSpent],
      ]),
    );
    expect(byKey).toEqual({
      '10:00:00 contracts-folder allow': [1, 0],
      '10:00:00 fresh-oats allow': [1, 0.5],
      '10:00:00 fresh-oats deny': [2, 0],
      '10:00:05 anonymous deny': [1, 0],
      '10:00:05 burger-barn allow': [1, 0.5],
      '10:00:05 fresh-oats allow': [1, 0],
      '10:00:10 other-officer allow': [1, 0],
      '10:00:10 burger-barn deny': [1, 0],
    });
    await expect(
      decisionHistogram(
        audit,
        { since: new Date(T0).toISOString(), bucketSeconds: 1, excludeOwnReads: false, callerId: 'dpo' },
        new Date(T0 + 86_400_000),
      ),
    ).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'bucketSeconds' } });
  });

  it(`examines at most ${SCAN_LIMIT} decisions per request and says where to continue`, async () => {
    const dir2 = createTempDir('decision-query-scan');
    const bigLog = createAuditLog({ path: path.join(dir2, 'audit.sqlite'), sthIntervalMs: 0 });
    try {
      const big = createAuditAdapter(bigLog);
      // One refusal, then SCAN_LIMIT + 500 allowed reads after it: the refusal lies beyond one request's reach.
      await big.append(input(0, HISTORY[3]!));
      const batch = 1_000;
      for (let start = 0; start < SCAN_LIMIT + 500; start += batch) {
        await Promise.all(
          Array.from({ length: Math.min(batch, SCAN_LIMIT + 500 - start) }, (_, offset) =>
            big.append(input(1 + start + offset, HISTORY[1]!)),
          ),
        );
      }
      const filter = parseDecisionFilter({ code: 'forbidden' }, 'dpo');
      const firstPage = await listDecisions(big, filter, { order: 'NEWEST_FIRST', first: 10 });
      expect(firstPage.entries).toEqual([]);
      expect(firstPage.hasNextPage).toBe(true);
      const secondPage = await listDecisions(big, filter, {
        order: 'NEWEST_FIRST',
        first: 10,
        after: firstPage.continueAfter!,
      });
      expect(secondPage.entries.map((entry) => entry.code)).toEqual(['FORBIDDEN']);
      expect(secondPage.hasNextPage).toBe(false);

      const forward = await listDecisions(big, parseDecisionFilter({ code: 'BELOW_THRESHOLD' }, 'dpo'), {
        order: 'OLDEST_FIRST',
        first: 10,
      });
      expect(forward.entries).toEqual([]);
      expect(forward.hasNextPage).toBe(true);
      expect(forward.continueAfter).toBeGreaterThanOrEqual(SCAN_LIMIT - 1);
    } finally {
      await bigLog.close();
      removeTempDir(dir2);
    }
  }, 120_000);
});
