/**
 * The decision log as the privacy officer reads it: filters that match in any case (role, effect and code are
 * enum-like), filters the audit store cannot apply (role, code, the caller's own reads) applied here, newest or
 * oldest first, and counts per time bucket for the console's charts.
 *
 * The audit port lists entries oldest first and filters by principal, action, effect and time itself. Everything
 * else is read and matched here, so a page may examine many entries to fill itself; each request examines at most
 * {@link SCAN_LIMIT} entries and says where to continue (`hasNextPage` with a cursor past the last one examined).
 */
import { badUserInput } from '../errors.ts';
import type { AuditEntry, AuditFilter, AuditPort } from '../ports.ts';
import { ROLES } from '../ports.ts';
import { OWN_READ_ACTIONS } from '../decision-log-api.ts';
import type { DecisionBucket, DecisionFilterInput, DecisionHistogram } from '../decision-log-api.ts';

/** Most entries one request examines beyond what the audit store filters itself. */
export const SCAN_LIMIT = 20_000;
/** Most entries one histogram request counts. */
export const HISTOGRAM_LIMIT = 100_000;
const CHUNK = 1_000;

/** A filter checked and normalized: what the store applies, and the full predicate. */
export interface DecisionFilter {
  /** The part the audit store applies by itself. */
  store: AuditFilter;
  /** True when `matches` checks more than `store` does (role, code, own reads). */
  narrowsFurther: boolean;
  matches(entry: AuditEntry): boolean;
}

function isoTime(value: string, field: string): string {
  const ms = Date.parse(value);
  if (!Number.isFinite(ms))
    throw badUserInput(`${field} is not a date-time: ${value.slice(0, 40)}`, { field });
  return new Date(ms).toISOString();
}

function oneOf(value: string, allowed: readonly string[], field: string, caseOf: (text: string) => string) {
  const normalized = caseOf(value.trim());
  if (!allowed.includes(normalized))
    throw badUserInput(`${field} must be one of ${allowed.join(', ')} (any case)`, { field });
  return normalized;
}

/**
 * Check and normalize a filter: `effect` (`allow`/`deny`), `role` and `code` match in any case; times are
 * ISO-8601. `callerId` is whose reads `excludeOwnReads` hides.
 *
 * @throws GraphQLError BAD_USER_INPUT naming the field (`filter.effect`, `filter.since`, ...).
 */
export function parseDecisionFilter(
  input: DecisionFilterInput | undefined,
  callerId: string,
): DecisionFilter {
  const given = input ?? {};
  const store: AuditFilter = {};
  if (given.principal !== undefined) store.principal = given.principal;
  if (given.action !== undefined) store.action = given.action;
  if (given.effect !== undefined)
    store.effect = oneOf(given.effect, ['allow', 'deny'], 'filter.effect', (text) => text.toLowerCase());
  if (given.since !== undefined) store.since = isoTime(given.since, 'filter.since');
  if (given.until !== undefined) store.until = isoTime(given.until, 'filter.until');
  const role = given.role === undefined ? undefined : oneOf(given.role, ROLES, 'filter.role', upper);
  let code: string | undefined;
  if (given.code !== undefined) {
    code = upper(given.code.trim());
    if (!/^[A-Z_]{1,64}$/.test(code))
      throw badUserInput('filter.code is an error code such as FORBIDDEN or BELOW_THRESHOLD', {
        field: 'filter.code',
      });
  }
  const excludeOwnReads = given.excludeOwnReads === true;
  return {
    store,
    narrowsFurther: role !== undefined || code !== undefined || excludeOwnReads,
    matches(entry) {
      if (store.principal !== undefined && entry.principal !== store.principal) return false;
      if (store.action !== undefined && entry.action !== store.action) return false;
      if (store.effect !== undefined && entry.effect !== store.effect) return false;
      if (store.since !== undefined && entry.at < store.since) return false;
      if (store.until !== undefined && entry.at >= store.until) return false;
      if (role !== undefined && entry.role !== role) return false;
      if (code !== undefined && entry.code !== code) return false;
      if (excludeOwnReads && entry.principal === callerId && OWN_READ_ACTIONS.has(entry.action)) return false;
      return true;
    },
  };
}

function upper(text: string): string {
  return text.toUpperCase();
}

/** A page of decisions and where the next one starts. */
export interface DecisionPage {
  entries: AuditEntry[];
  hasNextPage: boolean;
  /** Sequence to continue after (in the page's order); null when nothing was examined. */
  continueAfter: number | null;
}

/** Oldest first: the store filters what it can, pages continue after the last entry examined. */
async function oldestFirst(
  audit: AuditPort,
  filter: DecisionFilter,
  after: number | undefined,
  first: number,
): Promise<DecisionPage> {
  const entries: AuditEntry[] = [];
  let cursor = after;
  let examined = 0;
  for (;;) {
    const page = await audit.list({
      filter: filter.store,
      ...(cursor !== undefined ? { afterSequence: cursor } : {}),
      first: filter.narrowsFurther ? CHUNK : first + 1 - entries.length,
    });
    for (const entry of page.entries) {
      if (filter.matches(entry)) {
        // One match more than the page holds: the page is full and continues after its last entry.
        if (entries.length === first)
          return { entries, hasNextPage: true, continueAfter: entries.at(-1)?.sequence ?? cursor ?? null };
        entries.push(entry);
      }
      cursor = entry.sequence;
    }
    examined += page.entries.length;
    if (!page.hasNextPage || page.entries.length === 0)
      return { entries, hasNextPage: false, continueAfter: cursor ?? null };
    if (examined >= SCAN_LIMIT) return { entries, hasNextPage: true, continueAfter: cursor ?? null };
  }
}

/** The entries with sequences in [start, end), in order (the port may hand out fewer per call than asked). */
async function readRange(audit: AuditPort, start: number, end: number): Promise<AuditEntry[]> {
  const entries: AuditEntry[] = [];
  let cursor = start - 1;
  while (cursor < end - 1) {
    const page = await audit.list({
      ...(cursor >= 0 ? { afterSequence: cursor } : {}),
      first: end - 1 - cursor,
    });
    for (const entry of page.entries) if (entry.sequence < end) entries.push(entry);
    const last = page.entries.at(-1);
    if (last === undefined || !page.hasNextPage) break;
    cursor = last.sequence;
  }
  return entries;
}

/** The lowest sequence a decision at or after `since` can have (every earlier one is older). */
async function firstSequenceSince(audit: AuditPort, since: string | undefined): Promise<number> {
  if (since === undefined) return 0;
  const page = await audit.list({ filter: { since }, first: 1 });
  return page.entries[0]?.sequence ?? Number.POSITIVE_INFINITY;
}

/**
 * Newest first: ranges of sequences read backwards from the end (or from before `before`), every filter applied
 * here. The range below the first decision at or after `since` holds only older ones, so the reading stops there.
 */
async function newestFirst(
  audit: AuditPort,
  filter: DecisionFilter,
  before: number | undefined,
  first: number,
): Promise<DecisionPage> {
  const entries: AuditEntry[] = [];
  const floor = await firstSequenceSince(audit, filter.store.since);
  let end = Math.min(before ?? Number.POSITIVE_INFINITY, await audit.size());
  let examined = 0;
  while (end > floor) {
    const start = Math.max(floor, end - CHUNK);
    for (const entry of (await readRange(audit, start, end)).reverse()) {
      if (!filter.matches(entry)) continue;
      if (entries.length === first)
        return { entries, hasNextPage: true, continueAfter: entries.at(-1)?.sequence ?? end };
      entries.push(entry);
    }
    examined += end - start;
    end = start;
    if (examined >= SCAN_LIMIT && end > floor) return { entries, hasNextPage: true, continueAfter: end };
  }
  return { entries, hasNextPage: false, continueAfter: Number.isFinite(end) ? end : null };
}

/**
 * One page of decisions.
 *
 * @param after the sequence the previous page said to continue after (in the same order)
 * @example
 * const page = await listDecisions(audit, parseDecisionFilter({ effect: 'DENY' }, 'dpo'), { order: 'NEWEST_FIRST', first: 50 });
 */
export function listDecisions(
  audit: AuditPort,
  filter: DecisionFilter,
  options: { order: 'OLDEST_FIRST' | 'NEWEST_FIRST'; after?: number; first: number },
): Promise<DecisionPage> {
  return options.order === 'NEWEST_FIRST'
    ? newestFirst(audit, filter, options.after, options.first)
    : oldestFirst(audit, filter, options.after, options.first);
}

/**
 * Count decisions from `since` to `until` per bucket of `bucketSeconds`, principal and effect, with the budget
 * they spent; at most {@link HISTOGRAM_LIMIT} decisions (then `truncated`).
 *
 * @throws GraphQLError BAD_USER_INPUT for a bad time, a range that ends before it starts, or a bucket size
 *   outside 1 s..31 days or one that makes more than 10,000 buckets.
 */
export async function decisionHistogram(
  audit: AuditPort,
  options: {
    since: string;
    until?: string;
    bucketSeconds: number;
    excludeOwnReads: boolean;
    callerId: string;
  },
  now: Date,
): Promise<DecisionHistogram> {
  const since = isoTime(options.since, 'since');
  const until = options.until === undefined ? now.toISOString() : isoTime(options.until, 'until');
  if (until <= since) throw badUserInput('until must be after since', { field: 'until' });
  const bucketSeconds = options.bucketSeconds;
  if (!Number.isInteger(bucketSeconds) || bucketSeconds < 1 || bucketSeconds > 31 * 86_400)
    throw badUserInput('bucketSeconds must be a whole number of seconds from 1 to 2678400', {
      field: 'bucketSeconds',
    });
  const bucketMs = bucketSeconds * 1000;
  const sinceMs = Date.parse(since);
  if ((Date.parse(until) - sinceMs) / bucketMs > 10_000)
    throw badUserInput('the range holds more than 10,000 buckets: use larger buckets', {
      field: 'bucketSeconds',
    });
  const filter = parseDecisionFilter(
    { since, until, excludeOwnReads: options.excludeOwnReads },
    options.callerId,
  );
  const buckets = new Map<string, DecisionBucket>();
  let examined = 0;
  let cursor: number | undefined;
  for (;;) {
    const page = await audit.list({
      filter: filter.store,
      ...(cursor !== undefined ? { afterSequence: cursor } : {}),
      first: CHUNK,
    });
    for (const entry of page.entries) {
      examined += 1;
      if (!filter.matches(entry)) continue;
      const startMs = sinceMs + Math.floor((Date.parse(entry.at) - sinceMs) / bucketMs) * bucketMs;
      const key = `${startMs}\u0000${entry.principal}\u0000${entry.effect}`;
      const bucket = buckets.get(key) ?? {
        start: new Date(startMs).toISOString(),
        principal: entry.principal,
        role: entry.role,
        effect: entry.effect,
        count: 0,
        epsilonSpent: 0,
      };
      bucket.count += 1;
      bucket.epsilonSpent += entry.result?.epsilonSpent ?? 0;
      buckets.set(key, bucket);
    }
    cursor = page.entries.at(-1)?.sequence ?? cursor;
    const truncated = page.hasNextPage && examined >= HISTOGRAM_LIMIT;
    if (!page.hasNextPage || truncated) {
      const sorted = [...buckets.values()].sort(
        (a, b) =>
          a.start.localeCompare(b.start) ||
          a.principal.localeCompare(b.principal) ||
          a.effect.localeCompare(b.effect),
      );
      for (const bucket of sorted) bucket.epsilonSpent = Math.round(bucket.epsilonSpent * 1e9) / 1e9;
      return { since, until, bucketSeconds, buckets: sorted, examined, truncated };
    }
  }
}
