/**
 * Builds a campaign report from the attribution aggregates: rows per day and/or channel, rows below k
 * (distinct exposed subjects) rolled into one filtered summary, every value noised unless exact.
 */
import type { AttributionAggregate, AttributionModel } from '../../schema/index.ts';
import type { GatewayServices } from '../context.ts';
import type { Decision } from '../ports.ts';
import { noised, noisedAmount } from './obligations.ts';

/** What the report covers. */
export interface CampaignReportRequest {
  campaignId: string;
  modelEnum: string;
  model: AttributionModel;
  from: string | undefined;
  to: string | undefined;
  groupBy: string[];
}

interface Totals {
  exposedSubjects: number;
  conversions: number;
  revenue: number;
  spend: number;
}

const empty = (): Totals => ({ exposedSubjects: 0, conversions: 0, revenue: 0, spend: 0 });

function add(into: Totals, aggregate: AttributionAggregate): void {
  into.exposedSubjects += aggregate.exposedSubjects;
  into.conversions += aggregate.conversions;
  into.revenue += aggregate.revenue;
  into.spend += aggregate.spend;
}

function inRange(day: string, from: string | undefined, to: string | undefined): boolean {
  if (from !== undefined && day < from.slice(0, 10)) return false;
  if (to !== undefined && day > to.slice(0, 10)) return false;
  return true;
}

/** Build the report (the caller has already spent the budget it costs). */
export function buildCampaignReport(
  services: GatewayServices,
  decision: Decision,
  request: CampaignReportRequest,
) {
  const byDay = request.groupBy.includes('DAY');
  const byChannel = request.groupBy.includes('CHANNEL');
  const groups = new Map<string, { day: string | null; channel: string | null; totals: Totals }>();
  for (const aggregate of services.readModels.aggregates(request.campaignId, request.model)) {
    if (!inRange(aggregate.day, request.from, request.to)) continue;
    const day = byDay ? aggregate.day : null;
    const channel = byChannel ? aggregate.channel : null;
    const key = `${day ?? '*'}|${channel ?? '*'}`;
    const group = groups.get(key) ?? { day, channel, totals: empty() };
    add(group.totals, aggregate);
    groups.set(key, group);
  }
  const k = decision.obligations.thresholdK;
  const filtered = { count: 0, ...empty() };
  const rows = [];
  for (const group of [...groups.values()]) {
    if (group.totals.exposedSubjects < k) {
      filtered.count += 1;
      filtered.exposedSubjects += group.totals.exposedSubjects;
      filtered.conversions += group.totals.conversions;
      filtered.revenue += group.totals.revenue;
      filtered.spend += group.totals.spend;
      continue;
    }
    const revenue = noisedAmount(services, decision, group.totals.revenue);
    const spend = noisedAmount(services, decision, group.totals.spend);
    rows.push({
      day: group.day,
      channel: group.channel,
      exposedSubjects: noised(services, decision, group.totals.exposedSubjects),
      conversions: noised(services, decision, group.totals.conversions),
      revenue,
      spend,
      roas: spend > 0 ? revenue / spend : null,
    });
  }
  return {
    campaignId: request.campaignId,
    model: request.modelEnum,
    exact: decision.obligations.exact,
    kThreshold: k,
    rows,
    filteredRows: {
      count: filtered.count,
      exposedSubjects: noised(services, decision, filtered.exposedSubjects),
      conversions: noised(services, decision, filtered.conversions),
      revenue: noisedAmount(services, decision, filtered.revenue),
      spend: noisedAmount(services, decision, filtered.spend),
    },
  };
}
