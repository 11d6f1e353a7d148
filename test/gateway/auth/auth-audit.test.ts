/**
 * The refused-authentication auditor on a manual clock: the first refusal of a source and reason is logged at
 * once, the rest of its second fold into one entry with their count, floods stay a handful of entries whose
 * counts sum to the refusals, and a failing audit log never turns a refusal into anything else.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  ANONYMOUS_PRINCIPAL,
  AUTH_AUDIT_ACTION,
  OTHER_SOURCES,
  createAuthAuditor,
  createStandInAudit,
} from '../../../gateway/index.ts';
import type { AuditEntry, AuthAuditScheduler } from '../../../gateway/index.ts';

/** A clock that moves only when told, running due timers in order. */
function manualScheduler(start = Date.UTC(2026, 10, 1, 12)) {
  let now = start;
  let nextId = 0;
  const timers = new Map<number, { at: number; callback: () => void }>();
  const scheduler: AuthAuditScheduler & { advance(ms: number): Promise<void>; pending(): number } = {
    now: () => now,
    setTimer(delayMs, callback) {
      const id = nextId++;
      timers.set(id, { at: now + delayMs, callback });
      return () => timers.delete(id);
    },
    async advance(ms) {
      const until = now + ms;
      for (;;) {
        const due = [...timers.entries()]
          .filter(([, timer]) => timer.at <= until)
          .sort((a, b) => a[1].at - b[1].at || a[0] - b[0])[0];
        if (due === undefined) break;
        timers.delete(due[0]);
        now = due[1].at;
        due[1].callback();
        // Let the appends the timer started settle before the clock moves on.
        for (let turn = 0; turn < 5; turn++) await Promise.resolve();
        await new Promise((resolve) => setImmediate(resolve));
      }
      now = until;
    },
    pending: () => timers.size,
  };
  return scheduler;
}

const count = (entry: AuditEntry): number => entry.result?.rows ?? 0;

describe('createAuthAuditor', () => {
  it('logs a lone refusal at once as an anonymous UNAUTHENTICATED decision with its reason and count', async () => {
    const audit = createStandInAudit();
    const scheduler = manualScheduler();
    const auditor = createAuthAuditor({ audit, sourceKey: randomBytes(32), scheduler });
    expect(await auditor.refused('203.0.113.7', 'TOKEN_EXPIRED')).toBe(true);
    expect(audit.entries).toHaveLength(1);
    const [entry] = audit.entries;
    expect(entry).toMatchObject({
      principal: ANONYMOUS_PRINCIPAL,
      role: null,
      action: AUTH_AUDIT_ACTION,
      effect: 'deny',
      code: 'UNAUTHENTICATED',
      reasons: ['TOKEN_EXPIRED', '1 refused'],
      contractVersion: null,
      result: { rows: 1 },
      at: new Date(scheduler.now()).toISOString(),
    });
    // The log keeps a keyed pseudonym of the source, never the address.
    expect(entry?.resource).toMatch(/^source:[0-9a-f]{16}$/);
    expect(JSON.stringify(entry)).not.toContain('203.0.113.7');
    expect(entry?.inputDigest).toMatch(/^[0-9a-f]{64}$/);
  });

  it('folds a burst of 10,000 refusals into a handful of entries whose counts sum to 10,000', async () => {
    const audit = createStandInAudit();
    const scheduler = manualScheduler();
    const auditor = createAuthAuditor({ audit, sourceKey: randomBytes(32), scheduler });
    const outcomes: Array<Promise<boolean>> = [];
    // 10,000 refusals over 3.5 simulated seconds, from one source with one reason.
    for (let index = 0; index < 10_000; index++) {
      outcomes.push(auditor.refused('198.51.100.20', 'BAD_SIGNATURE'));
      if (index % 1_000 === 999) await scheduler.advance(350);
    }
    await scheduler.advance(2_000);
    expect(await Promise.all(outcomes)).toEqual(Array(10_000).fill(true));
    expect(audit.entries.reduce((sum, entry) => sum + count(entry), 0)).toBe(10_000);
    expect(audit.entries.length).toBeLessThanOrEqual(6);
    expect(new Set(audit.entries.map((entry) => entry.resource)).size).toBe(1);
    // At most one entry per second for this source and reason.
    const times = audit.entries.map((entry) => Date.parse(entry.at));
    for (let index = 1; index < times.length; index++)
      expect(times[index]! - times[index - 1]!).toBeGreaterThanOrEqual(1_000);
    expect(audit.entries.every((entry) => entry.reasons[1] === `${count(entry)} refused`)).toBe(true);
  });

  it('keeps sources and reasons apart', async () => {
    const audit = createStandInAudit();
    const scheduler = manualScheduler();
    const auditor = createAuthAuditor({ audit, sourceKey: randomBytes(32), scheduler });
    const outcomes = [
      ...Array.from({ length: 3 }, () => auditor.refused('192.0.2.1', 'TOKEN_EXPIRED')),
      ...Array.from({ length: 4 }, () => auditor.refused('192.0.2.1', 'WRONG_AUDIENCE')),
      ...Array.from({ length: 5 }, () => auditor.refused('192.0.2.2', 'TOKEN_EXPIRED')),
    ];
    await scheduler.advance(1_000);
    await Promise.all(outcomes);
    const byKey = new Map<string, number>();
    for (const entry of audit.entries) {
      const key = `${entry.resource} ${entry.reasons[0]}`;
      byKey.set(key, (byKey.get(key) ?? 0) + count(entry));
    }
    expect([...byKey.values()].sort()).toEqual([3, 4, 5]);
    expect(audit.entries).toHaveLength(6);
  });

  it('folds an IPv6 /64 into one source and an IPv4-mapped address into its IPv4 source', async () => {
    const audit = createStandInAudit();
    const scheduler = manualScheduler();
    const auditor = createAuthAuditor({ audit, sourceKey: randomBytes(32), scheduler });
    await auditor.refused('2001:db8:1:2::1', 'MALFORMED_TOKEN');
    await auditor.refused('10.0.0.9', 'MALFORMED_TOKEN');
    const pending = [
      auditor.refused('2001:db8:1:2:ffff::77', 'MALFORMED_TOKEN'),
      auditor.refused('::ffff:10.0.0.9', 'MALFORMED_TOKEN'),
    ];
    await scheduler.advance(1_000);
    await Promise.all(pending);
    expect(audit.entries).toHaveLength(4);
    expect(new Set(audit.entries.map((entry) => entry.resource)).size).toBe(2);
  });

  it('folds sources past maxTrackedSources into one entry per reason', async () => {
    const audit = createStandInAudit();
    const scheduler = manualScheduler();
    const auditor = createAuthAuditor({ audit, sourceKey: randomBytes(32), scheduler, maxTrackedSources: 4 });
    const outcomes = Array.from({ length: 1_000 }, (_, index) =>
      auditor.refused(`10.1.${Math.floor(index / 250)}.${index % 250}`, 'KEY_NOT_FOUND'),
    );
    await scheduler.advance(1_000);
    await Promise.all(outcomes);
    expect(audit.entries.reduce((sum, entry) => sum + count(entry), 0)).toBe(1_000);
    // Four sources of their own, then every other source in one leading and one folded `others` entry.
    expect(audit.entries).toHaveLength(6);
    const others = audit.entries.filter((entry) => entry.resource === OTHER_SOURCES);
    expect(others.map(count)).toEqual([1, 995]);
  });

  it('resolves false when the log refuses the entry, carries the count, and writes it once the log is back', async () => {
    const audit = createStandInAudit();
    const scheduler = manualScheduler();
    const failures: unknown[] = [];
    const auditor = createAuthAuditor({
      audit,
      sourceKey: randomBytes(32),
      scheduler,
      onAppendError: (error) => failures.push(error),
    });
    audit.failAppends = true;
    expect(await auditor.refused('192.0.2.50', 'TOKEN_EXPIRED')).toBe(false);
    const folded = Array.from({ length: 9 }, () => auditor.refused('192.0.2.50', 'TOKEN_EXPIRED'));
    await scheduler.advance(1_000);
    expect(await Promise.all(folded)).toEqual(Array(9).fill(false));
    expect(failures).toHaveLength(2);
    expect(audit.entries).toHaveLength(0);
    audit.failAppends = false;
    await scheduler.advance(1_000);
    expect(audit.entries.map(count)).toEqual([10]);
    // Quiet for a window: the source is forgotten and no timer is left behind.
    await scheduler.advance(2_000);
    expect(scheduler.pending()).toBe(0);
  });

  it('flushes what is folded on close, then logs each refusal at once', async () => {
    const audit = createStandInAudit();
    const scheduler = manualScheduler();
    const auditor = createAuthAuditor({ audit, sourceKey: randomBytes(32), scheduler });
    await auditor.refused('192.0.2.9', 'NOT_YET_VALID');
    const folded = [
      auditor.refused('192.0.2.9', 'NOT_YET_VALID'),
      auditor.refused('192.0.2.9', 'NOT_YET_VALID'),
    ];
    await auditor.close();
    expect(await Promise.all(folded)).toEqual([true, true]);
    expect(audit.entries.map(count)).toEqual([1, 2]);
    expect(await auditor.refused('192.0.2.9', 'NOT_YET_VALID')).toBe(true);
    expect(audit.entries.map(count)).toEqual([1, 2, 1]);
    expect(scheduler.pending()).toBe(0);
  });
});
