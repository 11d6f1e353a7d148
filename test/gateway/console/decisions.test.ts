/**
 * The console's decision rules as plain functions: the live tail keeps exactly the decisions the API's filter
 * returns (a property over random decisions and filters), and rows render refused tokens and the host's own
 * decisions legibly.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decisionCells,
  filterFromForm,
  isAnonymous,
  matchesFilter,
} from '../../../gateway/console/src/decisions.ts';
import type { Decision } from '../../../gateway/console/src/decisions.ts';
import { parseDecisionFilter } from '../../../gateway/resolvers/decision-query.ts';
import type { AuditEntry } from '../../../gateway/index.ts';

const PRINCIPALS = ['fresh-oats', 'burger-barn', 'dpo', 'host-ops', 'anonymous', 'contracts-folder'];
const ROLES = ['BRAND', 'QSR', 'PRIVACY_OFFICER', 'HOST_ADMIN', null] as const;
const ACTIONS = [
  'segment.size',
  'budget.read',
  'audit.sth',
  'me.read',
  'auth.authenticate',
  'contracts.change',
];
const CODES = ['FORBIDDEN', 'BELOW_THRESHOLD', 'UNAUTHENTICATED', 'BUDGET_EXHAUSTED'];
const T0 = Date.parse('2026-03-02T10:00:00.000Z');

const decisionArbitrary = fc
  .record({
    sequence: fc.nat(1_000),
    atOffset: fc.integer({ min: 0, max: 600 }),
    principal: fc.constantFrom(...PRINCIPALS),
    role: fc.constantFrom(...ROLES),
    action: fc.constantFrom(...ACTIONS),
    deny: fc.boolean(),
    code: fc.constantFrom(...CODES),
  })
  .map((drawn): Decision => ({
    id: `d-${drawn.sequence}`,
    sequence: drawn.sequence,
    at: new Date(T0 + drawn.atOffset * 1_000).toISOString(),
    principal: drawn.principal,
    role: drawn.role,
    action: drawn.action,
    resource: 'test',
    effect: drawn.deny ? 'deny' : 'allow',
    code: drawn.deny ? drawn.code : null,
    reasons: [],
    contractVersion: null,
    epsilonSpent: null,
  }));

/** What the form may hold, in whatever case an officer (or the form's options) produce. */
const formArbitrary = fc.record(
  {
    principal: fc.constantFrom('', ...PRINCIPALS),
    role: fc.constantFrom('', 'BRAND', 'qsr', 'Privacy_Officer', 'HOST_ADMIN'),
    action: fc.constantFrom('', ...ACTIONS),
    effect: fc.constantFrom('', 'allow', 'deny', 'DENY', 'Allow'),
    code: fc.constantFrom('', ...CODES, 'forbidden'),
    from: fc.constantFrom('', '2026-03-02T10:02:00', '2026-03-02T10:05:30'),
    to: fc.constantFrom('', '2026-03-02T10:04:00', '2026-03-02T10:09:59'),
  },
  { requiredKeys: [] },
);

function asEntry(decision: Decision): AuditEntry {
  return {
    ...decision,
    effect: decision.effect as 'allow' | 'deny',
    inputDigest: '',
    obligations: null,
    result: null,
  };
}

describe('the console decision rules', () => {
  it('keeps in the live tail exactly what the API filter would list', () => {
    fc.assert(
      fc.property(decisionArbitrary, formArbitrary, fc.boolean(), (decision, form, showOwnReads) => {
        const filter = filterFromForm(form as Record<string, string>, showOwnReads);
        // The filter `loadDecisions` sends is the one the tail applies.
        const api = parseDecisionFilter(filter, 'dpo');
        expect(matchesFilter(decision, filter, 'dpo')).toBe(api.matches(asEntry(decision)));
      }),
      { numRuns: 3_000 },
    );
  });

  it('reads datetime-local values as local times and leaves empty fields out', () => {
    const filter = filterFromForm(
      { principal: ' fresh-oats ', effect: '', from: '2026-03-02T10:00:00' },
      false,
    );
    expect(filter).toEqual({
      principal: 'fresh-oats',
      excludeOwnReads: true,
      since: new Date(2026, 2, 2, 10, 0, 0).toISOString(),
    });
  });

  const base: Decision = {
    id: 'd-1',
    sequence: 7,
    at: '2026-03-02T10:00:00.000Z',
    principal: 'fresh-oats',
    role: 'BRAND',
    action: 'segment.size',
    resource: 'segment:high-value-loyalty',
    effect: 'deny',
    code: 'BELOW_THRESHOLD',
    reasons: ['contract allows the segment', 'fewer than 50 shoppers'],
    contractVersion: 'sha256:0123456789abcdef0123456789abcdef',
    epsilonSpent: 0.5,
  };
  const cells = (decision: Decision) =>
    Object.fromEntries(decisionCells(decision, (iso) => `time ${iso}`).map((cell) => [cell.column, cell]));

  it('shows who, role, effect, code, reasons, budget and contract of a decision', () => {
    const row = cells(base);
    expect(Object.keys(row)).toEqual([
      'sequence',
      'at',
      'principal',
      'role',
      'action',
      'resource',
      'effect',
      'code',
      'reasons',
      'epsilon',
      'contract',
    ]);
    expect(row['principal']?.text).toBe('fresh-oats');
    expect(row['role']?.text).toBe('BRAND');
    expect(row['effect']).toMatchObject({ text: 'deny', className: 'effect-deny' });
    expect(row['code']?.text).toBe('BELOW_THRESHOLD');
    expect(row['reasons']?.text).toBe('contract allows the segment; fewer than 50 shoppers');
    expect(row['epsilon']?.text).toBe('0.50');
    expect(row['contract']).toMatchObject({ text: 'sha256:0123456789ab…', title: base.contractVersion });
    expect(row['at']).toMatchObject({ text: 'time 2026-03-02T10:00:00.000Z', title: base.at });
  });

  it('renders a refused token as anonymous with its reason, and the host itself as system', () => {
    const refused: Decision = {
      ...base,
      principal: 'anonymous',
      role: null,
      action: 'auth.authenticate',
      resource: 'token',
      code: 'UNAUTHENTICATED',
      reasons: ['token expired'],
      contractVersion: null,
      epsilonSpent: null,
    };
    expect(isAnonymous(refused)).toBe(true);
    let row = cells(refused);
    expect(row['principal']).toMatchObject({ text: 'anonymous', className: 'anonymous' });
    expect(row['role']?.text).toBe('none');
    expect(row['code']?.text).toBe('UNAUTHENTICATED');
    expect(row['reasons']?.text).toBe('token expired');
    expect(row['epsilon']?.text).toBe('');
    expect(row['contract']?.text).toBe('');

    // A token that named someone but did not verify: the claim is shown as a claim.
    row = cells({ ...refused, principal: 'fresh-oats' });
    expect(row['principal']?.text).toBe('fresh-oats (unverified)');
    row = cells({ ...refused, principal: '' });
    expect(row['principal']?.text).toBe('anonymous');

    const system: Decision = {
      ...base,
      principal: 'contracts-folder',
      role: null,
      effect: 'allow',
      code: null,
    };
    expect(isAnonymous(system)).toBe(false);
    row = cells(system);
    expect(row['principal']?.text).toBe('contracts-folder');
    expect(row['role']?.text).toBe('system');
    expect(row['effect']?.text).toBe('allow');
  });
});
