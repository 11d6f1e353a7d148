/**
 * A campaign report as an unreleased table for the release step. Its rows come from a public domain — every
 * day of the requested range within the campaign's flight, crossed with the channels, as `groupBy` asks — so a
 * row appears or not only through its noised count, never because data exists for it.
 *
 * Partners read the contribution-bounded sums the attribution stage keeps beside the exact ones (each subject
 * in at most `cellsPerCampaign` day-and-channel cells of a campaign, each cell's conversions, revenue and spend
 * clamped), so a subject moves any measure of the whole report by at most cellsPerCampaign x its bound — the
 * sensitivity the noise is scaled to. The host reads the exact sums.
 *
 * `exposedSubjects` of a row is its distinct exposed subjects when the row is one cell; for a row that spans
 * several cells (several days, or both channels) distinct subjects cannot be added up, and the row reports the
 * best lower bound one subject can move by at most one: max(largest cell, ceil(sum of cells / cellsPerCampaign)).
 */
import type { AttributionAggregate, AttributionModel } from '../../schema/index.ts';
import { GatewayError } from '../errors.ts';
import type { GatewayServices } from '../context.ts';
import type { ReleasedTable, TableCell, TableRelease } from '../release/release-step.ts';

/** What the report covers. */
export interface CampaignReportRequest {
  campaignId: string;
  modelEnum: string;
  model: AttributionModel;
  from: string | undefined;
  to: string | undefined;
  groupBy: string[];
}

/** A row key of the report's domain. */
interface RowKey {
  day: string | null;
  channel: string | null;
}

/** The measures a report sums besides its count. */
interface Sums {
  conversions: number;
  revenue: number;
  spend: number;
}

/** Most rows a report may hold (two years of days by two channels). */
export const MAX_REPORT_ROWS = 1_464;

const CHANNELS = ['online', 'store'] as const;
const DAY_MS = 86_400_000;

/** The contribution-bounded values of an aggregate (the attribution stage's `bounded` block), if it has them. */
function boundedOf(aggregate: AttributionAggregate): (Sums & { exposedSubjects: number }) | undefined {
  const bounded = (aggregate as { bounded?: Partial<Sums & { exposedSubjects: number }> }).bounded;
  if (bounded === undefined) return undefined;
  return {
    exposedSubjects: bounded.exposedSubjects ?? 0,
    conversions: bounded.conversions ?? 0,
    revenue: bounded.revenue ?? 0,
    spend: bounded.spend ?? 0,
  };
}

function daysBetween(first: string, last: string): string[] {
  const days: string[] = [];
  for (let at = Date.parse(`${first}T00:00:00Z`); at <= Date.parse(`${last}T00:00:00Z`); at += DAY_MS) {
    days.push(new Date(at).toISOString().slice(0, 10));
  }
  return days;
}

/** The report's days: the requested range clipped to the campaign's flight (and to today). */
function domainDays(services: GatewayServices, request: CampaignReportRequest): string[] {
  const campaign = services.readModels.campaign(request.campaignId);
  const today = services.now().toISOString().slice(0, 10);
  const flightStart = campaign?.startsAt.slice(0, 10);
  const flightEnd = campaign?.endsAt?.slice(0, 10) ?? today;
  const candidates = [request.from?.slice(0, 10), flightStart].filter(
    (day): day is string => day !== undefined,
  );
  const first = candidates.sort().at(-1);
  const last = [request.to?.slice(0, 10) ?? flightEnd, flightEnd, today].sort()[0] as string;
  if (first === undefined) return [];
  return first > last ? [] : daysBetween(first, last);
}

/**
 * The unreleased report.
 *
 * @example
 * return campaignReportTable(context.services, request, (table) => ({ ...table }));
 */
export function campaignReportTable<T>(
  services: GatewayServices,
  request: CampaignReportRequest,
  shape: (table: ReleasedTable<RowKey>) => T,
): TableRelease<RowKey, T> {
  const byDay = request.groupBy.includes('DAY');
  const byChannel = request.groupBy.includes('CHANNEL');
  const days = domainDays(services, request);
  const domain: RowKey[] = [];
  for (const day of byDay ? days : [null]) {
    for (const channel of byChannel ? CHANNELS : [null]) domain.push({ day, channel });
  }
  if (domain.length > MAX_REPORT_ROWS) {
    throw new GatewayError(
      'BAD_USER_INPUT',
      `a report holds at most ${MAX_REPORT_ROWS} rows; narrow from/to`,
      {
        field: 'from',
      },
    );
  }
  const { contributionBounds } = services.privacy;
  const cellsPerSubject = contributionBounds.cellsPerCampaign;
  const inRange = new Set(days);
  return {
    kind: 'table',
    countSensitivity: cellsPerSubject,
    measures: [
      {
        name: 'conversions',
        unitsPerValue: 100,
        sensitivity: cellsPerSubject * contributionBounds.conversions,
      },
      { name: 'revenue', unitsPerValue: 100, sensitivity: cellsPerSubject * contributionBounds.revenue },
      { name: 'spend', unitsPerValue: 100, sensitivity: cellsPerSubject * contributionBounds.spend },
    ],
    read(bounded) {
      const rows = new Map<string, { key: RowKey; cells: number[]; sums: Sums }>();
      for (const key of domain) {
        rows.set(`${key.day ?? '*'}|${key.channel ?? '*'}`, {
          key,
          cells: [],
          sums: { conversions: 0, revenue: 0, spend: 0 },
        });
      }
      if (domain.length > 0) {
        for (const aggregate of services.readModels.aggregates(request.campaignId, request.model)) {
          if (!inRange.has(aggregate.day)) continue;
          // Partners: only what the stream bounded; an aggregate without bounds contributes nothing.
          const values = bounded ? boundedOf(aggregate) : aggregate;
          if (values === undefined) continue;
          const row = rows.get(`${byDay ? aggregate.day : '*'}|${byChannel ? aggregate.channel : '*'}`);
          if (row === undefined) continue;
          row.cells.push(values.exposedSubjects);
          row.sums.conversions += values.conversions;
          row.sums.revenue += values.revenue;
          row.sums.spend += values.spend;
        }
      }
      return [...rows.values()].map(({ key, cells, sums }): TableCell<RowKey> => ({
        key,
        count: bounded
          ? Math.max(0, ...cells, Math.ceil(cells.reduce((a, b) => a + b, 0) / cellsPerSubject))
          : cells.reduce((a, b) => a + b, 0),
        sums: { ...sums },
      }));
    },
    shape,
  };
}

/** The GraphQL shape of a released report. */
export function shapeCampaignReport(
  request: CampaignReportRequest,
  table: ReleasedTable<RowKey>,
): Record<string, unknown> {
  const money = (value: number) => Math.round(value * 100) / 100;
  return {
    campaignId: request.campaignId,
    model: request.modelEnum,
    exact: table.exact,
    kThreshold: table.kThreshold,
    epsilonSpent: table.epsilonSpent,
    rows: table.rows.map((row) => {
      const revenue = money(row.sums['revenue'] ?? 0);
      const spend = money(row.sums['spend'] ?? 0);
      return {
        day: row.key.day,
        channel: row.key.channel,
        exposedSubjects: row.count,
        conversions: money(row.sums['conversions'] ?? 0),
        revenue,
        spend,
        roas: spend > 0 ? money(revenue / spend) : null,
      };
    }),
    filteredRows: {
      count: table.filtered.count,
      exposedSubjects: table.filtered.subjects,
      conversions: money(table.filtered.sums['conversions'] ?? 0),
      revenue: money(table.filtered.sums['revenue'] ?? 0),
      spend: money(table.filtered.sums['spend'] ?? 0),
    },
  };
}
