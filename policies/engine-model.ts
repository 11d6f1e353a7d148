import type { VersionedContract } from './contracts/validate.ts';
import type { GeoGranularity, HostConfig } from './contracts/schema.ts';
import type { BudgetWindow } from './privacy/budget-window.ts';

/** Every role a principal can hold (the JWT `role` claim). */
export const ROLES = ['BRAND', 'QSR', 'PRIVACY_OFFICER', 'HOST_ADMIN'] as const;
export type Role = (typeof ROLES)[number];

/** Who is asking: `id` is the JWT `sub` (a partner id, or a host principal id). */
export interface Principal {
  id: string;
  role: Role;
}

/** What a principal may ask to do. A closed list: anything else is denied. */
export const ACTIONS = [
  'segments.list',
  'segment.size',
  'campaigns.list',
  'campaign.report',
  'campaign.metrics.subscribe',
  'audience.upload',
  'audience.overlap',
  'budget.read',
  'triggers.read',
  'triggers.subscribe',
  'signals.subscribe',
  'decisions.read',
  'decisions.subscribe',
  'audit.verify',
  'audit.sth',
  'audit.proof',
  'contracts.read',
  'contracts.upsert',
  'keys.rotate',
  'stock.status',
  'campaign.pauses',
  'campaign.bids.subscribe',
  'offers.report',
] as const;
export type Action = (typeof ACTIONS)[number];

/** The kinds of thing an action is about. */
export type ResourceKind =
  | 'segment'
  | 'campaign'
  | 'audience'
  | 'budget'
  | 'trigger'
  | 'signal'
  | 'decision'
  | 'audit'
  | 'contract'
  | 'key'
  | 'stock'
  | 'offer';

/** The resource kind each action must name; a request naming another kind is denied. */
export const RESOURCE_KIND_OF_ACTION: Readonly<Record<Action, ResourceKind>> = {
  'segments.list': 'segment',
  'segment.size': 'segment',
  'campaigns.list': 'campaign',
  'campaign.report': 'campaign',
  'campaign.metrics.subscribe': 'campaign',
  'audience.upload': 'audience',
  'audience.overlap': 'audience',
  'budget.read': 'budget',
  'triggers.read': 'trigger',
  'triggers.subscribe': 'trigger',
  'signals.subscribe': 'signal',
  'decisions.read': 'decision',
  'decisions.subscribe': 'decision',
  'audit.verify': 'audit',
  'audit.sth': 'audit',
  'audit.proof': 'audit',
  'contracts.read': 'contract',
  'contracts.upsert': 'contract',
  'keys.rotate': 'key',
  'stock.status': 'stock',
  'campaign.pauses': 'campaign',
  'campaign.bids.subscribe': 'campaign',
  'offers.report': 'offer',
};

/**
 * What the request is about. `ownerPartnerId` is the partner that owns it (a campaign's brand, an
 * upload's uploader, a budget's partner); `segmentIds`, `categories` and `regions` are what is asked for
 * (absent: everything the contract allows, returned as `obligations.scope`).
 */
export interface Resource {
  kind: ResourceKind;
  id?: string;
  ownerPartnerId?: string;
  segmentIds?: readonly string[];
  categories?: readonly string[];
  regions?: readonly string[];
}

/** Everything `decide` needs besides the request; it reads nothing else (no clock, no I/O). */
export interface DecisionContext {
  /** The principal's current contract (BRAND, QSR), or undefined. */
  contract: VersionedContract | undefined;
  /** The host rules (host configuration). */
  host: HostConfig;
  now: Date;
  /** The partner key epoch pseudonyms are made with, passed through to `obligations.pseudonymize`. */
  pseudonymEpoch?: number;
}

/** Consent a shopper must have given to appear in the answer. */
export type ConsentRequirement = 'measurement' | 'partnerSharing';

/** Limits on what a list or subscription may contain, when the request did not name it. */
export interface Scope {
  segmentIds?: string[];
  /** Campaigns whose brand is the principal. */
  ownCampaigns?: boolean;
  /** Further campaign ids the contract names. */
  campaignIds?: string[];
  categories?: string[] | 'all';
  regions?: string[] | 'all';
  /** Foot-traffic triggers: the regions the contract subscribes to and the least lift delivered. */
  footTraffic?: { regions: string[] | 'all'; minLift: number };
}

/** What the gateway must do to an allowed answer before it leaves. */
export interface Obligations {
  /** Drop (roll into filtered rows) every output row with fewer distinct subjects. */
  thresholdK?: number;
  /** Add discrete Laplace noise with this epsilon to every released aggregate. */
  noiseEpsilon?: number;
  /** The budget each noised aggregate spends `noiseEpsilon` from. */
  budget?: { epsilonLimit: number; window: BudgetWindow };
  /** Replace subject ids with partner pseudonyms of this key epoch. */
  pseudonymize?: { epoch?: number };
  /** Report geography no finer than this. */
  coarsenGeo?: GeoGranularity;
  /** Remove these fields from every result. */
  dropFields?: string[];
  /** Exact (un-noised, un-thresholded) aggregates: HOST_ADMIN only. */
  exact?: boolean;
  scope?: Scope;
  requireConsent?: ConsentRequirement[];
  rateLimit?: { requestsPerMinute: number; maxSubscriptions: number };
}

/** Why a request was denied: not identified at all, or identified and not allowed. */
export type DenyCode = 'FORBIDDEN' | 'UNAUTHENTICATED';

/** The engine's answer. Denials carry a code and empty obligations. */
export type Decision =
  | { effect: 'allow'; obligations: Obligations; reasons: string[]; contractVersion: string | null }
  | {
      effect: 'deny';
      code: DenyCode;
      obligations: Obligations;
      reasons: string[];
      contractVersion: string | null;
    };
