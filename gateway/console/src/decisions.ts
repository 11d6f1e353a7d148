/**
 * Decisions as the console shows them: the filter the officer set (sent to the API and applied to the live tail
 * alike), and the cells of a table row. No DOM here, so it is tested as plain functions.
 */
import { OWN_READ_ACTIONS } from '../../decision-log-api.ts';
import type { DecisionFilterInput } from '../../decision-log-api.ts';

/** A decision as `policyDecisions` and `policyDecisionLogged` return it. */
export interface Decision {
  id: string;
  sequence: number;
  at: string;
  principal: string;
  role: string | null;
  action: string;
  resource: string;
  effect: string;
  code: string | null;
  reasons: string[];
  contractVersion: string | null;
  epsilonSpent: number | null;
}

/** The GraphQL selection of a {@link Decision}. */
export const DECISION_FIELDS =
  'id sequence at principal role action resource effect code reasons contractVersion epsilonSpent';

/** The officer's filter, as `DecisionFilter` takes it (whether own reads are hidden is always said). */
export interface DecisionFilter extends DecisionFilterInput {
  excludeOwnReads: boolean;
}

/** The filter of the form's fields (empty fields mean "any"; datetime-local values are local times). */
export function filterFromForm(fields: Record<string, string>, showOwnReads: boolean): DecisionFilter {
  const filter: DecisionFilter = { excludeOwnReads: !showOwnReads };
  for (const key of ['principal', 'role', 'action', 'effect', 'code'] as const) {
    const value = (fields[key] ?? '').trim();
    if (value !== '') filter[key] = value;
  }
  for (const [field, key] of [
    ['from', 'since'],
    ['to', 'until'],
  ] as const) {
    const value = (fields[field] ?? '').trim();
    if (value === '') continue;
    const ms = Date.parse(value);
    if (Number.isFinite(ms)) filter[key] = new Date(ms).toISOString();
  }
  return filter;
}

/** Whether a decision from the live tail belongs in the table: the API's rules (enum-like fields in any case). */
export function matchesFilter(decision: Decision, filter: DecisionFilter, me: string): boolean {
  const same = (a: string | null, b: string) => a !== null && a.toLowerCase() === b.toLowerCase();
  if (filter.principal !== undefined && decision.principal !== filter.principal) return false;
  if (filter.role !== undefined && !same(decision.role, filter.role)) return false;
  if (filter.action !== undefined && decision.action !== filter.action) return false;
  if (filter.effect !== undefined && !same(decision.effect, filter.effect)) return false;
  if (filter.code !== undefined && !same(decision.code, filter.code)) return false;
  if (filter.since !== undefined && decision.at < filter.since) return false;
  if (filter.until !== undefined && decision.at >= filter.until) return false;
  if (filter.excludeOwnReads && decision.principal === me && OWN_READ_ACTIONS.has(decision.action))
    return false;
  return true;
}

/** One table cell: its text, an optional tooltip and class. */
export interface Cell {
  column: string;
  text: string;
  title?: string;
  className?: string;
}

/** A refused token: nobody was authenticated, so there is no role (the gateway records what it was told). */
export function isAnonymous(decision: Decision): boolean {
  return (
    decision.role === null && (decision.code === 'UNAUTHENTICATED' || decision.action === 'auth.authenticate')
  );
}

function whoCell(decision: Decision): Cell {
  if (isAnonymous(decision)) {
    const claimed = decision.principal.trim();
    const named = claimed !== '' && !['anonymous', 'unknown', '-'].includes(claimed.toLowerCase());
    return {
      column: 'principal',
      text: named ? `${claimed} (unverified)` : 'anonymous',
      title: `no valid token${named ? `; it claimed to be ${claimed}` : ''}`,
      className: 'anonymous',
    };
  }
  return { column: 'principal', text: decision.principal };
}

function roleCell(decision: Decision): Cell {
  if (decision.role !== null) return { column: 'role', text: decision.role };
  if (isAnonymous(decision)) return { column: 'role', text: 'none', className: 'muted' };
  return {
    column: 'role',
    text: 'system',
    title: 'the host itself (e.g. the contracts folder)',
    className: 'muted',
  };
}

/** `sha256:0123456789ab…`: enough to tell versions apart; the full hash is in the tooltip. */
export function shortVersion(version: string | null): string {
  if (version === null) return '';
  return version.length > 19 ? `${version.slice(0, 19)}…` : version;
}

/** The cells of a decision's row, in the table's column order. */
export function decisionCells(decision: Decision, formatTime: (iso: string) => string): Cell[] {
  const refused = decision.effect.toLowerCase() === 'deny';
  return [
    { column: 'sequence', text: String(decision.sequence) },
    { column: 'at', text: formatTime(decision.at), title: decision.at },
    whoCell(decision),
    roleCell(decision),
    { column: 'action', text: decision.action },
    { column: 'resource', text: decision.resource },
    {
      column: 'effect',
      text: refused ? 'deny' : 'allow',
      className: refused ? 'effect-deny' : 'effect-allow',
    },
    { column: 'code', text: decision.code ?? '', className: 'code' },
    { column: 'reasons', text: decision.reasons.join('; ') },
    {
      column: 'epsilon',
      text: decision.epsilonSpent ? decision.epsilonSpent.toFixed(2) : '',
      title: 'privacy budget spent',
    },
    {
      column: 'contract',
      text: shortVersion(decision.contractVersion),
      title: decision.contractVersion ?? '',
    },
  ];
}
