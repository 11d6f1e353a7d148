import { FOOT_TRAFFIC_CATEGORY } from '../schema/topics.ts';
import type { HostConfig, PartnerContract, Purpose } from './contracts/schema.ts';
import {
  coarsestGeo,
  droppedFields,
  effectiveBudget,
  effectiveEpsilon,
  effectiveThreshold,
} from './engine-obligations.ts';
import type { Action, Obligations, Principal, Resource } from './engine-model.ts';

/** What a partner rule sees: the request and the partner's (already matched) contract. */
export interface PartnerRuleInput {
  principal: Principal;
  resource: Resource;
  contract: PartnerContract;
  host: HostConfig;
  pseudonymEpoch: number | undefined;
}

/** A rule's verdict: allow with obligations, or deny with the reason. */
export type RuleOutcome =
  { allow: true; obligations: Obligations; reasons: string[] } | { allow: false; reason: string };

export type PartnerRule = (input: PartnerRuleInput) => RuleOutcome;

const deny = (reason: string): RuleOutcome => ({ allow: false, reason });
const allow = (obligations: Obligations, reason: string): RuleOutcome => ({
  allow: true,
  obligations,
  reasons: [reason],
});

function requirePurpose(contract: PartnerContract, purposes: readonly Purpose[]): string | null {
  return purposes.some((purpose) => contract.purposes.includes(purpose))
    ? null
    : `the contract has none of the purposes ${purposes.join(', ')}`;
}

/** Obligations shared by every partner answer. */
function baseObligations({ contract, host }: PartnerRuleInput): Obligations {
  return {
    coarsenGeo: coarsestGeo(host.geoGranularity, contract.geoGranularity),
    dropFields: droppedFields(host, contract),
    rateLimit: { ...contract.rateLimit },
  };
}

/** Obligations of an aggregate released to a partner: threshold, noise, budget, consent. */
function aggregateObligations(input: PartnerRuleInput): Obligations {
  return {
    ...baseObligations(input),
    thresholdK: effectiveThreshold(input.host, input.contract),
    noiseEpsilon: effectiveEpsilon(input.host, input.contract),
    budget: effectiveBudget(input.host, input.contract),
    requireConsent: ['measurement'],
  };
}

function requestedSegments(resource: Resource): string[] {
  return [...(resource.segmentIds ?? []), ...(resource.id === undefined ? [] : [resource.id])];
}

function invisibleSegments(contract: PartnerContract, segmentIds: readonly string[]): string[] {
  return segmentIds.filter((segmentId) => !contract.visibility.segments.includes(segmentId));
}

/** One refusal for a campaign that does not exist and one that is another partner's: no existence oracle. */
const CAMPAIGN_NOT_VISIBLE = 'the campaign is not visible under the contract';

function campaignVisibility({ principal, resource, contract }: PartnerRuleInput): string | null {
  if (resource.id === undefined) return 'no campaign named';
  const { own, ids } = contract.visibility.campaigns;
  if (ids.includes(resource.id)) return null;
  if (resource.ownerPartnerId === undefined || resource.ownerPartnerId !== principal.id) {
    return CAMPAIGN_NOT_VISIBLE;
  }
  return own ? null : 'the contract does not share its own campaigns';
}

function withinList(allowed: readonly string[] | 'all', requested: readonly string[] | undefined): string[] {
  if (requested === undefined || allowed === 'all') return [];
  return requested.filter((item) => !allowed.includes(item));
}

const segmentsList: PartnerRule = (input) => {
  const missing = requirePurpose(input.contract, ['measurement', 'activation']);
  if (missing) return deny(missing);
  return allow(
    {
      ...baseObligations(input),
      scope: { segmentIds: [...input.contract.visibility.segments] },
    },
    'segments limited to those the contract shares',
  );
};

const segmentSize: PartnerRule = (input) => {
  const missing = requirePurpose(input.contract, ['measurement']);
  if (missing) return deny(missing);
  const requested = requestedSegments(input.resource);
  if (requested.length === 0) return deny('no segment named');
  const hidden = invisibleSegments(input.contract, requested);
  if (hidden.length > 0) return deny(`segments not shared by the contract: ${hidden.join(', ')}`);
  return allow(aggregateObligations(input), 'segment shared by the contract');
};

const campaignsList: PartnerRule = (input) => {
  const missing = requirePurpose(input.contract, ['measurement']);
  if (missing) return deny(missing);
  const { own, ids } = input.contract.visibility.campaigns;
  return allow(
    { ...baseObligations(input), scope: { ownCampaigns: own, campaignIds: [...ids] } },
    'campaigns limited to the partner’s own and those the contract names',
  );
};

const campaignAggregate: PartnerRule = (input) => {
  const missing = requirePurpose(input.contract, ['measurement']);
  if (missing) return deny(missing);
  const invisible = campaignVisibility(input);
  if (invisible) return deny(invisible);
  return allow(aggregateObligations(input), 'campaign visible under the contract');
};

const audienceUpload: PartnerRule = (input) => {
  const missing = requirePurpose(input.contract, ['measurement', 'activation']);
  if (missing) return deny(missing);
  const owner = input.resource.ownerPartnerId;
  if (owner !== undefined && owner !== input.principal.id) return deny('uploads are made for oneself only');
  return allow(baseObligations(input), 'audience upload by its owner');
};

const audienceOverlap: PartnerRule = (input) => {
  const missing = requirePurpose(input.contract, ['measurement', 'activation']);
  if (missing) return deny(missing);
  if (input.resource.ownerPartnerId !== input.principal.id)
    return deny('the upload belongs to another partner');
  return allow(aggregateObligations(input), 'overlap of the partner’s own upload');
};

const budgetRead: PartnerRule = (input) => {
  const owner = input.resource.ownerPartnerId;
  if (owner !== undefined && owner !== input.principal.id)
    return deny('the budget belongs to another partner');
  return allow({ budget: effectiveBudget(input.host, input.contract) }, 'a partner reads its own budget');
};

const signalsSubscribe: PartnerRule = (input) => {
  const missing = requirePurpose(input.contract, ['activation']);
  if (missing) return deny(missing);
  if (!input.contract.pseudonymousSignals) return deny('the contract does not allow pseudonymous signals');
  const requested = requestedSegments(input.resource);
  const hidden = invisibleSegments(input.contract, requested);
  if (hidden.length > 0) return deny(`segments not shared by the contract: ${hidden.join(', ')}`);
  return allow(
    {
      ...baseObligations(input),
      pseudonymize: input.pseudonymEpoch === undefined ? {} : { epoch: input.pseudonymEpoch },
      requireConsent: ['partnerSharing'],
      scope: { segmentIds: requested.length > 0 ? requested : [...input.contract.visibility.segments] },
    },
    'pseudonymous signals for activation, consented shoppers only',
  );
};

/** Regions of either list ('all' if either is). */
function unionOf(a: string[] | 'all', b: string[] | 'all'): string[] | 'all' {
  if (a === 'all' || b === 'all') return 'all';
  return [...new Set([...a, ...b])];
}

/**
 * Triggers: product categories and regions as `visibility.triggers` names them; foot-traffic surges (category
 * `foot_traffic`) only with a `visibility.footTraffic` block, in its regions. A request for foot traffic alone is
 * judged on the block's regions, one for product categories alone on the triggers' regions, one for both (or
 * for everything) on either.
 */
const triggers: PartnerRule = (input) => {
  const missing = requirePurpose(input.contract, ['trigger']);
  if (missing) return deny(missing);
  const { categories, regions } = input.contract.visibility.triggers;
  const { footTraffic } = input.contract.visibility;
  const requested = input.resource.categories;
  const wantsFootTraffic = requested?.includes(FOOT_TRAFFIC_CATEGORY) ?? false;
  if (wantsFootTraffic && footTraffic === undefined)
    return deny('foot-traffic triggers not shared: the contract has no visibility.footTraffic');
  const products = requested?.filter((category) => category !== FOOT_TRAFFIC_CATEGORY);
  const hiddenCategories = withinList(categories, products);
  if (hiddenCategories.length > 0) return deny(`categories not shared: ${hiddenCategories.join(', ')}`);
  const footTrafficRegions = footTraffic?.regions ?? [];
  const allowedRegions =
    requested === undefined
      ? unionOf(regions, footTrafficRegions)
      : products !== undefined && products.length === 0
        ? footTrafficRegions
        : wantsFootTraffic
          ? unionOf(regions, footTrafficRegions)
          : regions;
  const hiddenRegions = withinList(allowedRegions, input.resource.regions);
  if (hiddenRegions.length > 0) return deny(`regions not shared: ${hiddenRegions.join(', ')}`);
  return allow(
    {
      ...baseObligations(input),
      thresholdK: effectiveThreshold(input.host, input.contract),
      requireConsent: ['measurement'],
      scope: {
        categories: input.resource.categories ? [...input.resource.categories] : structuredClone(categories),
        regions: input.resource.regions ? [...input.resource.regions] : structuredClone(regions),
        ...(footTraffic === undefined
          ? {}
          : { footTraffic: { regions: structuredClone(footTraffic.regions), minLift: footTraffic.minLift } }),
      },
    },
    footTraffic === undefined
      ? 'trigger categories and regions shared by the contract'
      : 'trigger categories, regions and foot-traffic surges shared by the contract',
  );
};

/** The refusal for a product that is another brand's, unknown, or mixed with another brand's: no oracle. */
const PRODUCTS_NOT_VISIBLE = 'stock status is shared for the partner’s own products only';

function inventoryAction(
  contract: PartnerContract,
  action: 'stock.status' | 'campaign.pauses',
): string | null {
  return contract.visibility.inventory.actions.includes(action)
    ? null
    : `the contract does not name the inventory action ${action}`;
}

/**
 * Stock by region is the retailer's confidential data, not personal data: no shopper is in it, so there is nothing
 * for a threshold to count or noise to hide. What protects it is access: the action named in the contract, the
 * partner's own products only, region-level figures only (never a store's), every answer audited.
 */
const stockStatus: PartnerRule = (input) => {
  const missing = inventoryAction(input.contract, 'stock.status');
  if (missing) return deny(missing);
  if (input.resource.ownerPartnerId === undefined || input.resource.ownerPartnerId !== input.principal.id)
    return deny(PRODUCTS_NOT_VISIBLE);
  const obligations = baseObligations(input);
  if (obligations.coarsenGeo === 'country')
    return deny('stock status is by region; the contract’s geography is country');
  return allow(
    obligations,
    'stock status of the partner’s own products by region (not personal data: no threshold, no noise)',
  );
};

const campaignPauses: PartnerRule = (input) => {
  const missing = inventoryAction(input.contract, 'campaign.pauses');
  if (missing) return deny(missing);
  const invisible = campaignVisibility(input);
  if (invisible) return deny(invisible);
  return allow(
    baseObligations(input),
    'pause state of the partner’s own campaign (not personal data: no threshold, no noise)',
  );
};

/**
 * A brand's view of its campaign's bid multipliers. They are derived from conversion and click counts (data about
 * shoppers), so the answer is an aggregate like any other: measurement purpose, the campaign visible, and the
 * aggregate obligations (k-threshold, noise paid from the budget); the gateway recomputes the multipliers from
 * the noised, contribution-bounded counts.
 */
const campaignBids: PartnerRule = (input) => {
  if (!(input.contract.visibility.bidding?.actions.includes('campaign.bids.subscribe') ?? false))
    return deny('the contract does not name the bidding action campaign.bids.subscribe');
  return campaignAggregate(input);
};

/**
 * A brand's report of its own in-store offers (made and redeemed by day and region): an aggregate over shoppers,
 * so thresholded, noised and charged like any other, and by region (a country-level contract is refused).
 */
const offersReport: PartnerRule = (input) => {
  if (!input.contract.visibility.offers.actions.includes('offers.report'))
    return deny('the contract does not name the offers action offers.report');
  const missing = requirePurpose(input.contract, ['measurement']);
  if (missing) return deny(missing);
  if (input.resource.ownerPartnerId === undefined || input.resource.ownerPartnerId !== input.principal.id)
    return deny('offer reports are shared for the partner’s own offers only');
  const obligations = aggregateObligations(input);
  if (obligations.coarsenGeo === 'country')
    return deny('the offer report is by region; the contract’s geography is country');
  return { allow: true, obligations, reasons: ['the partner’s own offers, thresholded and noised'] };
};

/** BRAND: what each action allows (every action not listed is denied). */
export const BRAND_RULES: Readonly<Partial<Record<Action, PartnerRule>>> = {
  'segments.list': segmentsList,
  'segment.size': segmentSize,
  'campaigns.list': campaignsList,
  'campaign.report': campaignAggregate,
  'campaign.metrics.subscribe': campaignAggregate,
  'audience.upload': audienceUpload,
  'audience.overlap': audienceOverlap,
  'budget.read': budgetRead,
  'signals.subscribe': signalsSubscribe,
  'stock.status': stockStatus,
  'campaign.pauses': campaignPauses,
  'campaign.bids.subscribe': campaignBids,
  'offers.report': offersReport,
};

/** QSR: triggers and its own budget. */
export const QSR_RULES: Readonly<Partial<Record<Action, PartnerRule>>> = {
  'budget.read': budgetRead,
  'triggers.read': triggers,
  'triggers.subscribe': triggers,
};
