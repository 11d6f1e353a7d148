/**
 * The ports the gateway consumes from policies/ and processors/runtime. Each is a narrow interface the gateway
 * needs; `createGateway` takes implementations injected. Adapters in `policy-adapters.ts` bind them to the
 * policies/ area; test stand-ins of them live in test/support/stand-ins.
 */
import type { JWK } from 'jose';
import type { Log, LogConsumer, LogRecord } from '../processors/runtime/index.ts';

export type { Log, LogConsumer, LogRecord };

/** The four principal kinds (the `role` claim). */
export type Role = 'BRAND' | 'QSR' | 'PRIVACY_OFFICER' | 'HOST_ADMIN';

/** Every role, in a stable order. */
export const ROLES: readonly Role[] = ['BRAND', 'QSR', 'PRIVACY_OFFICER', 'HOST_ADMIN'];

/** An authenticated caller. */
export interface Principal {
  /** The partner id (`sub`) or the host principal's id. */
  id: string;
  role: Role;
}

/** What a caller asks to do: the engine's actions (policies/engine-model) plus `me.read` and `consent.read`. */
export type GatewayAction =
  | 'me.read'
  | 'consent.read'
  | 'segments.list'
  | 'segment.size'
  | 'campaigns.list'
  | 'campaign.report'
  | 'audience.upload'
  | 'audience.overlap'
  | 'budget.read'
  | 'triggers.read'
  | 'decisions.read'
  | 'audit.verify'
  | 'audit.sth'
  | 'audit.proof'
  | 'contracts.read'
  | 'contracts.upsert'
  | 'keys.rotate'
  | 'signals.subscribe'
  | 'triggers.subscribe'
  | 'campaign.metrics.subscribe'
  | 'decisions.subscribe'
  | 'stock.status'
  | 'campaign.pauses'
  | 'campaign.bids.subscribe'
  | 'offers.report';

/** What a decision obliges the gateway to do with the answer. */
export interface Obligations {
  /** Minimum distinct subjects per output row. */
  thresholdK: number;
  /** Epsilon each noised aggregate spends; null = no noise. */
  noiseEpsilon: number | null;
  pseudonymize: boolean;
  coarsenGeo: boolean;
  dropFields: string[];
  /** Exact (un-noised) answers: the host only. */
  exact: boolean;
}

/** A policy decision. */
export interface Decision {
  effect: 'allow' | 'deny';
  /** Why a denial happened, as an API error code (FORBIDDEN, BELOW_THRESHOLD...). */
  code?: string;
  obligations: Obligations;
  reasons: string[];
  contractVersion: string | null;
}

/** The resource a decision is about. */
export interface DecisionResource {
  kind: string;
  id?: string;
  /** Owner of the resource (a campaign's brand, an upload's partner). */
  ownerId?: string;
  /** What a subscription or list asks for (absent: everything the contract allows). */
  segmentIds?: string[];
  categories?: string[];
  regions?: string[];
}

/** The decision engine (policies/engine `decide`). */
export interface PolicyPort {
  decide(
    principal: Principal,
    action: GatewayAction,
    resource: DecisionResource,
    context: Record<string, unknown>,
  ): Decision;
}

/** A partner contract, as the gateway reads it. */
export interface ContractView {
  partnerId: string;
  kind: 'BRAND' | 'QSR';
  version: string;
  purposes: string[];
  segments: string[];
  /** Campaign ids the contract names beyond the partner's own. */
  campaigns: string[];
  /** Whether campaigns whose brand is the partner are visible. */
  ownCampaigns: boolean;
  triggerCategories: string[] | 'all';
  triggerRegions: string[] | 'all';
  /** Foot-traffic surges the contract subscribes to (absent: none): regions, and the least lift delivered. */
  footTraffic?: { regions: string[] | 'all'; minLift: number };
  kThreshold: number;
  epsilonPerAggregate: number;
  budgetEpsilon: number;
  budgetWindow: 'day' | 'week' | 'month';
  pseudonymousSignals: boolean;
  requestsPerMinute: number | null;
  /** Most live subscriptions at once; null = unlimited. */
  maxSubscriptions: number | null;
  /** Noised segment size at or above which audience signals flow (host minimum, raised by the contract). */
  activationMinimum: number;
  /** Audience uploads: fewest hashes per list, most lists per budget window. */
  uploads: { minimumSize: number; maxPerWindow: number };
  /** The inventory actions the contract names, and whether a paused line may be served with a substitute. */
  inventory?: { actions: string[]; substitution: boolean };
  /** The bidding actions the contract names (absent: none). */
  bidding?: { actions: string[] };
  /** The offer actions the contract names (`offers.report`). */
  offers?: { actions: string[] };
  /** The partner's own identity provider: its tokens are verified only against it. Absent: the host's. */
  identityProvider?: PartnerIdentityProvider | null;
}

/** A partner's own identity provider, as its contract names it: a JWKS URL or inline public keys. */
export interface PartnerIdentityProvider {
  issuer: string;
  audience: string | string[];
  jwksUrl?: string;
  keys?: JWK[];
}

/** The host's privacy settings as the gateway reads them (policies/contracts host configuration). */
export interface HostPrivacyView {
  /** Consent of a shopper the loyalty feed has not described (ships as none). */
  consentDefault: { measurement: boolean; personalization: boolean; partnerSharing: boolean };
  /** Name a region is coarsened to when a contract's geography is `country`. */
  country: string;
  /** Per-subject clamps the stream applied to attribution aggregates (the noise scale follows them). */
  contributionBounds: { conversions: number; revenue: number; spend: number; cellsPerCampaign: number };
  activation: { hysteresis: number; decisionIntervalSeconds: number; epsilonPerDecision: number };
  continualRelease: { tickSeconds: number; epsilonPerWindow: number };
}

/** The contract registry (policies/contracts). */
export interface ContractsPort {
  get(partnerId: string): ContractView | undefined;
  list(): ContractView[];
  /** Validate and store a contract document (JSON or YAML); throws a BAD_USER_INPUT-worthy error when invalid. */
  upsert(document: string): Promise<ContractView> | ContractView;
}

/** One entry to append to the audit log (no PII). */
export interface AuditEntryInput {
  at: string;
  principal: string;
  role: string | null;
  action: string;
  resource: string;
  /** SHA-256 (hex) of the request's inputs. */
  inputDigest: string;
  effect: 'allow' | 'deny';
  code: string | null;
  obligations: Obligations | null;
  reasons: string[];
  contractVersion: string | null;
  result: { rows?: number; suppressedRows?: number; epsilonSpent?: number } | null;
}

/** A stored audit entry. */
export interface AuditEntry extends AuditEntryInput {
  id: string;
  sequence: number;
}

/** A page of audit entries. */
export interface AuditPage {
  entries: AuditEntry[];
  hasNextPage: boolean;
}

/** Filter over audit entries. */
export interface AuditFilter {
  principal?: string;
  action?: string;
  effect?: string;
  /** At or after this time (ISO-8601). */
  since?: string;
  /** Before this time (ISO-8601). */
  until?: string;
}

/** The tamper-evident audit log (policies/audit). */
export interface AuditPort {
  /** Durable append; throws when the entry could not be stored. */
  append(entry: AuditEntryInput): Promise<AuditEntry>;
  list(options: { filter?: AuditFilter; afterSequence?: number; first: number }): Promise<AuditPage>;
  /** Number of entries (the next entry's sequence). */
  size(): Promise<number>;
  verify(): Promise<{ valid: boolean; size: number; firstBadSequence: number | null }>;
  signedTreeHead(): Promise<{ size: number; rootHash: string; signature: string; at: string }>;
  inclusionProof(
    sequence: number,
  ): Promise<{ sequence: number; treeSize: number; leafHash: string; rootHash: string; path: string[] }>;
  /** Listen to appended entries; returns the unsubscribe function. */
  subscribe(listener: (entry: AuditEntry) => void): () => void;
}

/** Partner pseudonyms and their keys (policies/identity). */
export interface PseudonymPort {
  pseudonymFor(partnerId: string, subjectId: string): string;
  rotatePartnerKey(
    partnerId: string,
  ):
    | Promise<{ epoch: number; previousEpochValidUntil: string | null }>
    | { epoch: number; previousEpochValidUntil: string | null };
}

/** Resolves an uploaded UID2-style hash to a subject id (policies/identity). */
export interface IdentityPort {
  subjectForHash(identifierHash: string): string | undefined;
}

/** Budget window status. */
export interface BudgetStatus {
  window: string;
  epsilonLimit: number;
  epsilonSpent: number;
  epsilonRemaining: number;
}

/** Per-partner privacy budget (policies/privacy). */
export interface BudgetPort {
  /** Spend atomically; false when the remaining budget is smaller than `epsilon`. */
  trySpend(partnerId: string, epsilon: number, contract: ContractView): boolean | Promise<boolean>;
  preview(partnerId: string, contract: ContractView): BudgetStatus | Promise<BudgetStatus>;
}

/** Noise (policies/privacy): an integer discrete Laplace draw of scale sensitivity / epsilon added to `value`. */
export interface NoisePort {
  noisyCount(value: number, epsilon: number, sensitivity?: number): number;
}

/** Optional segment names and descriptions (from segment definitions). */
export interface SegmentCatalogPort {
  describe(segmentId: string): { name: string; description?: string } | undefined;
}
