/**
 * Contribution bounds: the `bounded` sums beside each row's exact ones, so noise scaled to the host's bounds
 * means what it says for ANY grouping of a campaign's cells into report rows.
 *
 * Per subject and campaign, the engine keeps a ledger: the subject's own slice of every cell (campaign, day,
 * channel) it contributes to — counted exposures and their spend, credited conversions and their revenue per
 * model — maintained by the same deltas that move the exact rows. From the ledger:
 *
 * - the subject counts in at most `cellsPerCampaign` cells of the campaign: its EARLIEST cells by (day, channel),
 *   a rule on its own data only; a late exposure, a retraction or a return that changes which cells those are
 *   takes the subject out of the cell it leaves and into the one it joins (both rows are restated);
 * - in each kept cell it adds 1 to `exposedSubjects`, 1 to `convertingSubjects` if it converted there, its spend
 *   clamped to [0, spend], and per model its conversions (sum of credit weights) clamped to [0, conversions] and
 *   its revenue clamped to [0, revenue].
 *
 * So one subject moves a campaign's bounded sums by at most cellsPerCampaign x bound per measure in total, and
 * appears in at most cellsPerCampaign cells, whatever the grouping. Revenue is clamped to [0, bound], not
 * [-bound, bound]: the engine's returns only take back revenue a purchase brought (a line never goes below 0),
 * so a negative net is not a real contribution, and a one-sided range keeps the sensitivity at `bound` even
 * when a neighbouring dataset replaces a subject rather than removing it ([-b, b] would make it 2b).
 *
 * Pruning never changes a published bounded sum: the ledger is not rebuilt from the retained events (which lose
 * their oldest part) but kept like the exact rows; it keeps the kept cells' published contributions for as long
 * as the subject is in state (so a withdrawal or erasure still takes the subject out of every row, and a subject
 * that comes back months later cannot gain cells beyond the bound), and forgets only cells that can never be
 * kept again (not kept, and entirely older than the retention). Additive across input partitions: a subject
 * lives in exactly one.
 */
import type { AttributionModel } from '../../schema/index.ts';
import type { AggregateStore, RowRef } from './aggregates.ts';
import { updateRow } from './aggregates.ts';
import { maxBounds } from './bounded-sums.ts';
import type { ModelContribution } from './bounded-sums.ts';
import type { ContributionBounds } from './config.ts';
import { ATTRIBUTION_MODELS } from './models.ts';

/** A subject's raw (unclamped) slice of one cell: what it adds to the exact row. */
export interface CellLedger {
  /** Counted, non-holdout exposures of the campaign in this cell (a reference count). */
  exposures: number;
  spend: number;
  /** Credited (conversion, campaign) pairs whose conversion falls in this cell (a reference count). */
  credited: number;
  models: Partial<Record<AttributionModel, ModelContribution>>;
}

/** What a subject adds to a kept cell's bounded sums (it adds 1 to `exposedSubjects` too). */
export interface BoundedContribution {
  converting: 0 | 1;
  spend: number;
  models: Partial<Record<AttributionModel, ModelContribution>>;
}

/** A subject's ledger for one campaign: candidate cells by `day:channel`, and the contributions published. */
export interface CampaignLedger {
  cells: Record<string, CellLedger>;
  published: Record<string, BoundedContribution>;
}

/** The ledger key of a cell; sorts by day, then channel (`online` before `store`). */
export function cellKeyOf(ref: { day: string; channel: 'online' | 'store' }): string {
  return `${ref.day}:${ref.channel}`;
}

function cellOf(
  ledgers: Record<string, CampaignLedger>,
  campaignId: string,
  ref: { day: string; channel: 'online' | 'store' },
): CellLedger {
  const ledger = (ledgers[campaignId] ??= { cells: {}, published: {} });
  return (ledger.cells[cellKeyOf(ref)] ??= { exposures: 0, spend: 0, credited: 0, models: {} });
}

/** A counted treatment exposure entered (delta 1) or left (delta -1) its cell. */
export function ledgerExposure(
  ledgers: Record<string, CampaignLedger>,
  exposure: RowRef & { cost: number },
  delta: 1 | -1,
): void {
  const cell = cellOf(ledgers, exposure.campaignId, exposure);
  cell.exposures += delta;
  cell.spend += delta * exposure.cost;
}

/** A credit was added (sign 1) or taken back (sign -1) in its conversion's cell. */
export function ledgerCredit(
  ledgers: Record<string, CampaignLedger>,
  credit: RowRef & { model: AttributionModel; weight: number; revenue: number },
  sign: 1 | -1,
): void {
  const cell = cellOf(ledgers, credit.campaignId, credit);
  const sums = (cell.models[credit.model] ??= { conversions: 0, revenue: 0 });
  sums.conversions += sign * credit.weight;
  sums.revenue += sign * credit.revenue;
}

/** A (conversion, campaign) pair became credited (delta 1) or stopped being credited (delta -1) in its cell. */
export function ledgerConverting(
  ledgers: Record<string, CampaignLedger>,
  where: RowRef,
  delta: 1 | -1,
): void {
  cellOf(ledgers, where.campaignId, where).credited += delta;
}

const clamp = (value: number, bound: number): number => Math.min(bound, Math.max(0, value));

/**
 * The cells a subject counts in for one campaign and its clamped contribution to each: its earliest
 * `cellsPerCampaign` cells that hold an exposure or a credit. Depends on the subject's ledger only.
 */
export function boundedContributions(
  cells: Readonly<Record<string, CellLedger>>,
  bounds: ContributionBounds,
): Record<string, BoundedContribution> {
  const kept = Object.keys(cells)
    .filter((key) => {
      const cell = cells[key]!;
      return cell.exposures > 0 || cell.credited > 0;
    })
    .sort()
    .slice(0, bounds.cellsPerCampaign);
  const out: Record<string, BoundedContribution> = {};
  for (const key of kept) {
    const cell = cells[key]!;
    const models: BoundedContribution['models'] = {};
    if (cell.credited > 0) {
      for (const model of ATTRIBUTION_MODELS) {
        const sums = cell.models[model];
        if (sums === undefined) continue;
        models[model] = {
          conversions: clamp(sums.conversions, bounds.conversions),
          revenue: clamp(sums.revenue, bounds.revenue),
        };
      }
    }
    out[key] = {
      converting: cell.credited > 0 ? 1 : 0,
      spend: cell.exposures > 0 ? clamp(cell.spend, bounds.spend) : 0,
      models,
    };
  }
  return out;
}

function sameContribution(a: BoundedContribution | undefined, b: BoundedContribution | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a.converting !== b.converting || a.spend !== b.spend) return false;
  return ATTRIBUTION_MODELS.every(
    (model) =>
      a.models[model]?.conversions === b.models[model]?.conversions &&
      a.models[model]?.revenue === b.models[model]?.revenue,
  );
}

function applyContribution(
  store: AggregateStore,
  ref: RowRef,
  contribution: BoundedContribution,
  sign: 1 | -1,
  bounds: ContributionBounds,
): void {
  updateRow(store, ref, (row) => {
    const sums = row.bounded;
    sums.bounds = maxBounds(sums.bounds, bounds);
    sums.exposedSubjects += sign;
    sums.convertingSubjects += sign * contribution.converting;
    sums.spend += sign * contribution.spend;
    for (const model of ATTRIBUTION_MODELS) {
      const part = contribution.models[model];
      if (part === undefined) continue;
      const into = (sums.models[model] ??= { conversions: 0, revenue: 0 });
      into.conversions += sign * part.conversions;
      into.revenue += sign * part.revenue;
    }
  });
}

function refOf(campaignId: string, cellKey: string): RowRef {
  const [day = '', channel = 'online'] = cellKey.split(':');
  return { campaignId, day, channel: channel as 'online' | 'store' };
}

/**
 * Brings the published bounded contributions of one campaign in line with the subject's ledger: recomputes
 * which cells it keeps and what it adds, and restates the rows of every cell whose contribution changed.
 */
export function rebalanceCampaign(
  store: AggregateStore,
  ledgers: Record<string, CampaignLedger>,
  campaignId: string,
  bounds: ContributionBounds,
): void {
  const ledger = ledgers[campaignId];
  if (ledger === undefined) return;
  // A cell with neither an exposure nor a credit left holds only rounding residue: forget it.
  for (const [key, cell] of Object.entries(ledger.cells)) {
    if (cell.exposures <= 0 && cell.credited <= 0) delete ledger.cells[key];
  }
  const next = boundedContributions(ledger.cells, bounds);
  for (const key of new Set([...Object.keys(ledger.published), ...Object.keys(next)])) {
    const before = ledger.published[key];
    const after = next[key];
    if (sameContribution(before, after)) continue;
    const ref = refOf(campaignId, key);
    if (before !== undefined) applyContribution(store, ref, before, -1, bounds);
    if (after !== undefined) applyContribution(store, ref, after, 1, bounds);
  }
  ledger.published = next;
  if (Object.keys(ledger.cells).length === 0 && Object.keys(next).length === 0) delete ledgers[campaignId];
}

/** Takes the subject out of every bounded sum it is in (consent withdrawn, or erasure). */
export function withdrawBounded(
  store: AggregateStore,
  ledgers: Record<string, CampaignLedger>,
  bounds: ContributionBounds,
): void {
  for (const [campaignId, ledger] of Object.entries(ledgers)) {
    for (const [key, contribution] of Object.entries(ledger.published)) {
      applyContribution(store, refOf(campaignId, key), contribution, -1, bounds);
    }
    delete ledgers[campaignId];
  }
}

/**
 * Forgets ledger cells that can never be kept again: not kept now, and on a day that ended before `horizon`
 * (every exposure and purchase of such a day is pruned, so the cell cannot change; and since the kept cells are
 * the earliest ones, they are older still and cannot change either).
 */
export function compactLedgers(ledgers: Record<string, CampaignLedger>, horizon: number): void {
  for (const ledger of Object.values(ledgers)) {
    for (const key of Object.keys(ledger.cells)) {
      if (ledger.published[key] !== undefined) continue;
      const dayEnd = Date.parse(`${key.slice(0, 10)}T00:00:00.000Z`) + 24 * 60 * 60 * 1000;
      if (dayEnd <= horizon) delete ledger.cells[key];
    }
  }
}
