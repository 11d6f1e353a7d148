/**
 * The one release step of every partner answer. A resolver describes what it would answer — a distinct count,
 * a table over a public domain of rows, or rows that were already noised at the source — and how to shape the
 * released numbers; it never sees a released value it could leak otherwise. The step then, in this order:
 *
 * 1. charges the partner's budget (before any data is read: a spent budget is BUDGET_EXHAUSTED whatever the
 *    data, and a refusal below costs what an answer costs);
 * 2. reads the exact (contribution-bounded) values;
 * 3. adds integer discrete Laplace noise scaled to each value's sensitivity;
 * 4. decides release or refusal on the NOISED value (k-threshold; rows below it fold into the filtered summary);
 * 5. applies the field obligations (dropFields, coarsenGeo) to the shaped answer.
 *
 * The host's own exact answers (decision.obligations.exact) skip 1–4. Audit happens in `governed`, after this
 * step and before the answer leaves.
 *
 * Rows that hold no shopper at all (the retailer's stock by region, campaign pause state) pass as `no-subjects`:
 * there is no subject for a threshold to count nor an individual for noise to hide, so 1–4 do not apply and
 * nothing is charged; only 5 does. Such rows are released only under a decision that asks for neither noise nor
 * a threshold (the engine's inventory actions): a decision asking for them is refused, so an action that
 * should have been noised cannot be answered through this path by mistake.
 */
import { GatewayError } from '../errors.ts';
import type { ReleaseDeps } from './release-deps.ts';
import type { ContractView, Decision, Principal } from '../ports.ts';
import { applyFieldObligations } from './field-obligations.ts';
import type { LiveMeasure } from './live-streams.ts';

/** Who is answered and under which decision. */
export interface ReleaseScope {
  services: ReleaseDeps;
  principal: Principal;
  decision: Decision;
  contract: ContractView | undefined;
}

/** A released count. */
export interface ReleasedCount {
  value: number;
  epsilonSpent: number;
  exact: boolean;
}

/** One distinct count (a segment size, an overlap): sensitivity 1. */
export interface CountRelease<T> {
  kind: 'count';
  /** Names the count in a refusal ("segment plant-based-buyers"). */
  what: string;
  read: () => number;
  shape: (count: ReleasedCount) => T;
}

/** A summed measure of a table. */
export interface TableMeasure {
  name: string;
  /** Integer units per value (100: noise in cents or hundredths). */
  unitsPerValue: number;
  /** Most one subject moves this measure over the whole table, in value units (its contribution bound). */
  sensitivity: number;
}

/** One row of a table's domain: a public key, a distinct-subject count and sums. */
export interface TableCell<Key> {
  key: Key;
  count: number;
  sums: Record<string, number>;
}

/** A released table. */
export interface ReleasedTable<Key> {
  rows: Array<TableCell<Key>>;
  /** Rows below k, folded into one summary (count 0: every sum is 0). */
  filtered: { count: number; subjects: number; sums: Record<string, number> };
  epsilonSpent: number;
  exact: boolean;
  kThreshold: number;
}

/**
 * A table over a domain of rows whose keys are public (days of a campaign's flight, channels): the resolver
 * lists EVERY key of the domain, with a count of 0 where nothing happened, so which rows appear depends on the
 * data only through the noised counts.
 */
export interface TableRelease<Key, T> {
  kind: 'table';
  /** Most rows one subject is counted in (its L0 bound). */
  countSensitivity: number;
  measures: TableMeasure[];
  /** The exact cells: contribution-bounded for partners (`bounded`), as stored for the host. */
  read: (bounded: boolean) => Array<TableCell<Key>>;
  shape: (table: ReleasedTable<Key>) => T;
}

/** Rows already noised at the source (demand triggers): only the threshold and the field obligations remain. */
export interface NoisedRowsRelease<Row, T> {
  kind: 'noised-rows';
  read: () => Row[];
  /** The row's noised distinct-subject count, tested against k. */
  countOf: (row: Row) => number;
  shape: (rows: Row[], epsilonSpent: number) => T;
}

/**
 * A live aggregate pushed tick after tick (continual release): the partner's stream for `streamName` costs the
 * host's epsilon per window once, charged by the first tick of the window; every tick releases noisy running
 * totals from binary-tree counters. A tick whose noised count is below k is refused (and skipped by the stream).
 */
export interface LiveRelease<T> {
  kind: 'live';
  streamName: string;
  /** Measure that counts distinct subjects (tested against k). */
  countMeasure: string;
  measures: LiveMeasure[];
  read: (bounded: boolean) => Record<string, number>;
  shape: (values: Record<string, number>, released: { epsilonSpent: number; exact: boolean }) => T;
}

/** Rows that hold no shopper (see the file comment): released as they are, with the field obligations. */
export interface NoSubjectRowsRelease<Row, T> {
  kind: 'no-subjects';
  read: () => Row[];
  shape: (rows: Row[]) => T;
}

/** What a resolver hands the release step. */
export type Unreleased<T> =
  | CountRelease<T>
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  | TableRelease<any, T>
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  | NoisedRowsRelease<any, T>
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  | NoSubjectRowsRelease<any, T>
  | LiveRelease<T>;

/** A released answer and what the audit entry records of it. */
export interface ReleaseOutcome<T> {
  value: T;
  rows: number;
  suppressedRows: number;
  epsilonSpent: number;
}

/** Epsilon of one noised aggregate under this decision (0 when exact). */
export function epsilonOf(decision: Decision): number {
  return decision.obligations.exact || decision.obligations.noiseEpsilon === null
    ? 0
    : decision.obligations.noiseEpsilon;
}

/** The epsilon a release costs: one aggregate per count, one per measure of a table (plus its counts). */
export function costOf<T>(unreleased: Unreleased<T>, decision: Decision): number {
  const epsilon = epsilonOf(decision);
  if (unreleased.kind === 'table') return epsilon * (1 + unreleased.measures.length);
  return epsilon;
}

async function releaseLive<T>(scope: ReleaseScope, spec: LiveRelease<T>): Promise<ReleaseOutcome<T>> {
  const { services, principal, decision, contract } = scope;
  if (decision.obligations.exact) {
    return {
      value: spec.shape(spec.read(false), { epsilonSpent: 0, exact: true }),
      rows: 1,
      suppressedRows: 0,
      epsilonSpent: 0,
    };
  }
  if (contract === undefined) {
    throw new GatewayError('FORBIDDEN', 'no contract to pay for a live aggregate', {
      partnerId: principal.id,
    });
  }
  const now = services.now();
  const { live } = services.release;
  // Charged once per window, however many subscriptions open it at the same moment.
  const charged = await live.pay(principal.id, spec.streamName, contract, now, (epsilon) =>
    chargeBudget(scope, epsilon),
  );
  const stream = live.open(principal.id, spec.streamName, contract, now, spec.measures);
  const values = stream.release(now, spec.read(true));
  if ((values[spec.countMeasure] ?? 0) < decision.obligations.thresholdK) {
    throw refusalBelowThreshold(scope, `live ${spec.streamName}`, charged);
  }
  return {
    value: spec.shape(values, { epsilonSpent: charged, exact: false }),
    rows: 1,
    suppressedRows: 0,
    epsilonSpent: charged,
  };
}

/**
 * Charge `epsilon` to the partner's budget or refuse with BUDGET_EXHAUSTED. Called before anything is read.
 */
export async function chargeBudget(scope: ReleaseScope, epsilon: number): Promise<void> {
  if (epsilon <= 0) return;
  const { services, principal, contract } = scope;
  if (contract === undefined) {
    throw new GatewayError('FORBIDDEN', 'no contract to pay for a noised answer', {
      partnerId: principal.id,
    });
  }
  const spent = await services.budget.trySpend(principal.id, epsilon, contract);
  if (!spent) {
    throw new GatewayError('BUDGET_EXHAUSTED', 'privacy budget exhausted for this window', {
      partnerId: principal.id,
      contractVersion: contract.version,
      reason: 'BUDGET_EXHAUSTED',
    });
  }
  services.metrics.epsilonSpent.inc({ partner: principal.id }, epsilon);
}

/** A refusal that was paid for (so its audit entry says what it cost). */
function refusalBelowThreshold(scope: ReleaseScope, what: string, epsilonSpent: number): GatewayError {
  return new GatewayError('BELOW_THRESHOLD', `${what} is below the k-threshold`, {
    contractVersion: scope.decision.contractVersion,
    reason: 'BELOW_THRESHOLD',
    epsilonSpent,
  });
}

function noisedUnits(scope: ReleaseScope, value: number, epsilon: number, sensitivity: number): number {
  return scope.services.noise.noisyCount(value, epsilon, sensitivity);
}

async function releaseCount<T>(scope: ReleaseScope, spec: CountRelease<T>): Promise<ReleaseOutcome<T>> {
  const { decision } = scope;
  if (decision.obligations.exact) {
    const value = spec.read();
    return {
      value: spec.shape({ value, epsilonSpent: 0, exact: true }),
      rows: 1,
      suppressedRows: 0,
      epsilonSpent: 0,
    };
  }
  const epsilon = epsilonOf(decision);
  await chargeBudget(scope, epsilon);
  const noised = noisedUnits(scope, Math.round(spec.read()), epsilon, 1);
  if (noised < decision.obligations.thresholdK) throw refusalBelowThreshold(scope, spec.what, epsilon);
  return {
    value: spec.shape({ value: noised, epsilonSpent: epsilon, exact: false }),
    rows: 1,
    suppressedRows: 0,
    epsilonSpent: epsilon,
  };
}

async function releaseTable<Key, T>(
  scope: ReleaseScope,
  spec: TableRelease<Key, T>,
): Promise<ReleaseOutcome<T>> {
  const { decision } = scope;
  const k = decision.obligations.thresholdK;
  if (decision.obligations.exact) {
    return tableOutcome(spec, {
      rows: spec.read(false),
      filtered: { count: 0, subjects: 0, sums: Object.fromEntries(spec.measures.map((m) => [m.name, 0])) },
      epsilonSpent: 0,
      exact: true,
      kThreshold: k,
    });
  }
  const epsilon = epsilonOf(decision);
  const cost = costOf(spec, decision);
  await chargeBudget(scope, cost);
  const cells = spec.read(true);
  const l0 = spec.countSensitivity;
  // Counts: one subject is counted in at most L0 rows, by at most one each.
  const noisedCounts = cells.map((cell) => noisedUnits(scope, Math.round(cell.count), epsilon, l0));
  const released: Array<{ cell: TableCell<Key>; row: TableCell<Key> }> = [];
  const filteredCells: Array<TableCell<Key>> = [];
  let filteredSubjects = 0;
  cells.forEach((cell, index) => {
    const count = noisedCounts[index] as number;
    if (count >= k) released.push({ cell, row: { key: cell.key, count, sums: {} } });
    else {
      filteredCells.push(cell);
      filteredSubjects += count;
    }
  });
  const filteredSums: Record<string, number> = {};
  for (const measure of spec.measures) {
    // In integer units; each of the at most L0 + 1 values a subject touches (its rows and the filtered sum) may
    // round one unit further, hence the `+ l0 + 1`.
    const sensitivity = Math.ceil(measure.sensitivity * measure.unitsPerValue) + l0 + 1;
    const noiseOf = (exact: number): number =>
      Math.max(0, noisedUnits(scope, Math.round(exact * measure.unitsPerValue), epsilon, sensitivity)) /
      measure.unitsPerValue;
    for (const { cell, row } of released) row.sums[measure.name] = noiseOf(cell.sums[measure.name] ?? 0);
    // The filtered summary's sums are noised afresh from the exact sum of the rows below k: with the released
    // rows they form one vector whose L1 sensitivity is still the measure's bound. No row was filtered: zero.
    filteredSums[measure.name] =
      filteredCells.length === 0
        ? 0
        : noiseOf(filteredCells.reduce((sum, cell) => sum + (cell.sums[measure.name] ?? 0), 0));
  }
  return tableOutcome(spec, {
    rows: released.map(({ row }) => row),
    filtered: {
      count: filteredCells.length,
      subjects: filteredCells.length === 0 ? 0 : Math.max(0, filteredSubjects),
      sums: filteredSums,
    },
    epsilonSpent: cost,
    exact: false,
    kThreshold: k,
  });
}

/** The outcome of a released table: its rows are released, its filtered rows suppressed. */
function tableOutcome<Key, T>(spec: TableRelease<Key, T>, table: ReleasedTable<Key>): ReleaseOutcome<T> {
  return {
    value: spec.shape(table),
    rows: table.rows.length,
    suppressedRows: table.filtered.count,
    epsilonSpent: table.epsilonSpent,
  };
}

async function releaseNoisedRows<Row, T>(
  scope: ReleaseScope,
  spec: NoisedRowsRelease<Row, T>,
): Promise<ReleaseOutcome<T>> {
  const { decision } = scope;
  const epsilon = epsilonOf(decision);
  // The values were noised once at the source; reading them still costs what the contract says a read costs.
  await chargeBudget(scope, epsilon);
  const all = spec.read();
  const kept = all.filter((row) => spec.countOf(row) >= decision.obligations.thresholdK);
  return {
    value: spec.shape(kept, epsilon),
    rows: kept.length,
    suppressedRows: all.length - kept.length,
    epsilonSpent: epsilon,
  };
}

function releaseNoSubjects<Row, T>(
  scope: ReleaseScope,
  spec: NoSubjectRowsRelease<Row, T>,
): ReleaseOutcome<T> {
  const { obligations } = scope.decision;
  if (!obligations.exact && (obligations.noiseEpsilon !== null || obligations.thresholdK > 0)) {
    throw new GatewayError(
      'FORBIDDEN',
      'this answer is released only under a decision without noise or threshold',
      {
        partnerId: scope.principal.id,
        reason: 'NOT_RELEASABLE',
      },
    );
  }
  const rows = spec.read();
  return { value: spec.shape(rows), rows: rows.length, suppressedRows: 0, epsilonSpent: 0 };
}

/**
 * Release an answer: charge, read, noise, threshold on the noised value, then dropFields and coarsenGeo.
 *
 * @example
 * return release(scope, { kind: 'count', what: 'segment s', read: () => size, shape: (count) => count });
 */
export async function release<T>(scope: ReleaseScope, unreleased: Unreleased<T>): Promise<ReleaseOutcome<T>> {
  let outcome: ReleaseOutcome<T>;
  switch (unreleased.kind) {
    case 'count':
      outcome = await releaseCount(scope, unreleased);
      break;
    case 'table':
      outcome = await releaseTable(scope, unreleased);
      break;
    case 'noised-rows':
      outcome = await releaseNoisedRows(scope, unreleased);
      break;
    case 'live':
      outcome = await releaseLive(scope, unreleased);
      break;
    case 'no-subjects':
      outcome = releaseNoSubjects(scope, unreleased);
      break;
  }
  return {
    ...outcome,
    value: applyFieldObligations(outcome.value, scope.decision, scope.services.privacy.country),
  };
}

/**
 * Release one row pushed on a live stream whose cost was charged when the stream opened (a trigger already
 * noised at the source): the noised count against k, then the field obligations. Null: not released.
 */
export function releasePushedRow<Row>(
  scope: ReleaseScope,
  row: Row,
  countOf: (row: Row) => number,
): Row | null {
  const { decision } = scope;
  if (!decision.obligations.exact && countOf(row) < decision.obligations.thresholdK) return null;
  return applyFieldObligations(row, decision, scope.services.privacy.country);
}

/** Whether a body's result still has to pass the release step. */
export function isUnreleased(value: unknown): value is Unreleased<unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const kind = (value as { kind?: unknown }).kind;
  return (
    kind === 'count' ||
    kind === 'table' ||
    kind === 'noised-rows' ||
    kind === 'live' ||
    kind === 'no-subjects'
  );
}
