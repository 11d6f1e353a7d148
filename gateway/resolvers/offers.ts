/**
 * The offer report: a brand's in-store offers made and redeemed by day and region, as an unreleased table for the
 * release step (budget charge, discrete Laplace noise, threshold on the noised count of shoppers offered, field
 * obligations) and the audit, like every other aggregate.
 *
 * Its rows are a public domain — every day of the requested range crossed with every region named — so a row
 * appears only through its noised count, never because an offer was made there. Partners read the counts the
 * offer engine bounded (each shopper in at most `cellsPerBrand` cells of a brand, each cell holding at most the
 * daily cap of offers per shopper), so one shopper moves the count by at most `cellsPerBrand` and each sum by at
 * most `cellsPerBrand x offersPerShopperPerDay`: the sensitivities the noise is scaled to. The host reads exact
 * counts.
 */
import type { GatewayContext, GatewayServices } from '../context.ts';
import { GatewayError, badUserInput } from '../errors.ts';
import { governed } from '../governance.ts';
import type { DecisionResource } from '../ports.ts';
import type { ReleasedTable, TableCell, TableRelease } from '../release/release-step.ts';

/** Most days one report may cover. */
export const MAX_OFFER_REPORT_DAYS = 92;
/** Most regions one report may name. */
export const MAX_OFFER_REPORT_REGIONS = 20;
/**
 * The offer engine's default daily cap of offers per shopper: the least per-cell bound the noise assumes, whatever
 * the cells recorded (a stage run with a larger cap records it, and the larger one is taken).
 */
const MIN_OFFERS_PER_SHOPPER_PER_DAY = 2;
const DAY_MS = 86_400_000;

/** A row key of the report's domain. */
interface RowKey {
  day: string;
  region: string;
}

/** The arguments of `offerReport`. */
interface OfferReportArgs {
  from: string;
  to: string;
  regions: string[];
  brand?: string;
}

function daysOf(from: string, to: string): string[] {
  const first = Date.parse(`${from.slice(0, 10)}T00:00:00Z`);
  const last = Date.parse(`${to.slice(0, 10)}T00:00:00Z`);
  if (!Number.isFinite(first) || !Number.isFinite(last) || first > last)
    throw badUserInput('from must not be after to', { field: 'from' });
  if ((last - first) / DAY_MS + 1 > MAX_OFFER_REPORT_DAYS)
    throw badUserInput(`a report covers at most ${MAX_OFFER_REPORT_DAYS} days`, { field: 'to' });
  const days: string[] = [];
  for (let at = first; at <= last; at += DAY_MS) days.push(new Date(at).toISOString().slice(0, 10));
  return days;
}

/** The bounds the noise follows: the host's cells per brand and the engine's cap, or larger ones recorded. */
function boundsOf(services: GatewayServices, brand: string, domain: readonly RowKey[]) {
  let cellsPerBrand = services.privacy.contributionBounds.cellsPerCampaign;
  let offersPerShopperPerDay = MIN_OFFERS_PER_SHOPPER_PER_DAY;
  for (const { day, region } of domain) {
    const recorded = services.readModels.offerStat(brand, day, region)?.bounded.bounds;
    if (recorded === undefined) continue;
    cellsPerBrand = Math.max(cellsPerBrand, recorded.cellsPerBrand);
    offersPerShopperPerDay = Math.max(offersPerShopperPerDay, recorded.offersPerShopperPerDay);
  }
  return { cellsPerBrand, offersPerShopperPerDay };
}

/** The unreleased report of `brand` over `domain`. */
export function offerReportTable<T>(
  services: GatewayServices,
  brand: string,
  domain: readonly RowKey[],
  shape: (table: ReleasedTable<RowKey>) => T,
): TableRelease<RowKey, T> {
  const { cellsPerBrand, offersPerShopperPerDay } = boundsOf(services, brand, domain);
  const sumSensitivity = cellsPerBrand * offersPerShopperPerDay;
  return {
    kind: 'table',
    countSensitivity: cellsPerBrand,
    measures: [
      { name: 'offersMade', unitsPerValue: 1, sensitivity: sumSensitivity },
      { name: 'offersRedeemed', unitsPerValue: 1, sensitivity: sumSensitivity },
    ],
    read(bounded) {
      return domain.map((key): TableCell<RowKey> => {
        const stat = services.readModels.offerStat(brand, key.day, key.region);
        const values = stat === undefined ? undefined : bounded ? stat.bounded : stat;
        return {
          key,
          count: values?.offeredSubjects ?? 0,
          sums: { offersMade: values?.offersMade ?? 0, offersRedeemed: values?.offersRedeemed ?? 0 },
        };
      });
    },
    shape,
  };
}

const whole = (value: number | undefined): number => Math.max(0, Math.round(value ?? 0));

/** Offer report queries. */
export const offerResolvers = {
  Query: {
    offerReport: (_root: unknown, args: OfferReportArgs, context: GatewayContext) => {
      const regions = [...new Set(args.regions)];
      if (regions.length === 0 || regions.length > MAX_OFFER_REPORT_REGIONS)
        throw badUserInput(`name 1 to ${MAX_OFFER_REPORT_REGIONS} regions`, { field: 'regions' });
      const days = daysOf(args.from, args.to);
      const principal = context.principal;
      const brand = args.brand ?? (principal?.role === 'BRAND' ? principal.id : undefined);
      const resource: DecisionResource = {
        kind: 'offer',
        ...(brand === undefined ? {} : { id: brand, ownerId: brand }),
      };
      return governed(context, 'offers.report', resource, args, ({ principal: asker }) => {
        if (brand === undefined) throw badUserInput('name the brand', { field: 'brand' });
        if (asker.role === 'BRAND' && brand !== asker.id)
          throw new GatewayError('FORBIDDEN', 'not your offers', { partnerId: asker.id });
        const domain = days.flatMap((day) => regions.map((region) => ({ day, region })));
        return offerReportTable(context.services, brand, domain, (table) => ({
          brand,
          exact: table.exact,
          kThreshold: table.kThreshold,
          epsilonSpent: table.epsilonSpent,
          rows: table.rows.map((row) => ({
            day: row.key.day,
            region: row.key.region,
            offeredShoppers: whole(row.count),
            offersMade: whole(row.sums['offersMade']),
            offersRedeemed: whole(row.sums['offersRedeemed']),
          })),
          filteredRows: {
            count: table.filtered.count,
            offeredShoppers: whole(table.filtered.subjects),
            offersMade: whole(table.filtered.sums['offersMade']),
            offersRedeemed: whole(table.filtered.sums['offersRedeemed']),
          },
        }));
      });
    },
  },
};
