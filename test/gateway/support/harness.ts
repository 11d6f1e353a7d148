/**
 * A gateway on a real embedded log (SQLite in a temp dir) and real HTTP on 127.0.0.1, with the ports the
 * tests need. Records are produced straight to the `cleanroom.*` topics (no processors involved).
 */
import { createEmbeddedLog } from '../../../processors/runtime/index.ts';
import type { Log } from '../../../processors/runtime/index.ts';
import { TOPICS } from '../../../schema/index.ts';
import type {
  CampaignInfo,
  CampaignPause,
  ConsentChange,
  StockStatus,
  SegmentChange,
  Trigger,
  AttributionAggregate,
} from '../../../schema/index.ts';
import { createGateway, mintDevToken, policyNoise, toHostPrivacyView } from '../../../gateway/index.ts';
import { createStandInPolicy } from '../../support/stand-ins/stand-in-policy.ts';
import {
  createStandInAudit,
  createStandInBudget,
  createStandInContracts,
  createStandInIdentity,
  createStandInPseudonyms,
} from '../../support/stand-ins/stand-in-stores.ts';
import { DEFAULT_HOST_CONFIG } from '../../../policies/index.ts';
import type {
  AuditEntry,
  ContractView,
  Gateway,
  GatewayOptions,
  HostPrivacyView,
  Role,
} from '../../../gateway/index.ts';
import { openRealPolicies } from './real-policies.ts';
import type { RealPolicyOptions } from './real-policies.ts';
import { createTempDir, removeTempDir } from '../../helpers/temp-dir.ts';

/** A brand contract for tests. */
export function brandContract(partnerId: string, overrides: Partial<ContractView> = {}): ContractView {
  return {
    partnerId,
    kind: 'BRAND',
    version: `${partnerId}-v1`,
    purposes: ['measurement', 'activation'],
    segments: ['seg-plant', 'seg-coffee'],
    campaigns: [],
    ownCampaigns: true,
    triggerCategories: [],
    triggerRegions: [],
    kThreshold: 50,
    epsilonPerAggregate: 0.5,
    budgetEpsilon: 10,
    budgetWindow: 'day',
    pseudonymousSignals: true,
    requestsPerMinute: null,
    maxSubscriptions: null,
    activationMinimum: 50,
    uploads: { minimumSize: 1, maxPerWindow: 1_000 },
    inventory: { actions: ['stock.status', 'campaign.pauses'], substitution: false },
    bidding: { actions: ['campaign.bids.subscribe'] },
    offers: { actions: ['offers.report'] },
    ...overrides,
  };
}

/** A QSR contract for tests. */
export function qsrContract(partnerId: string, overrides: Partial<ContractView> = {}): ContractView {
  return brandContract(partnerId, {
    kind: 'QSR',
    inventory: { actions: [], substitution: false },
    offers: { actions: [] },
    purposes: ['trigger'],
    segments: [],
    triggerCategories: ['plant-based-meat', 'coffee'],
    triggerRegions: ['west', 'east'],
    pseudonymousSignals: false,
    ...overrides,
  });
}

/**
 * The host's default privacy settings, with activation gates decided every 30 s at epsilon 0.5 (noise scale 2)
 * so that a test segment of a hundred members is reliably above a minimum of 50.
 */
export function testPrivacy(overrides: Partial<HostPrivacyView> = {}): HostPrivacyView {
  const defaults = toHostPrivacyView(DEFAULT_HOST_CONFIG);
  return {
    ...defaults,
    activation: { hysteresis: 0, decisionIntervalSeconds: 30, epsilonPerDecision: 0.5 },
    ...overrides,
  };
}

/** What a test gets. */
export interface Harness {
  gateway: Gateway;
  log: Log;
  url: string;
  dataDir: string;
  /** The stand-in audit log (stand-in mode only; real mode reads through `auditEntries`). */
  audit: ReturnType<typeof createStandInAudit>;
  /** Every audit entry so far, from whichever audit log is in use. */
  auditEntries(): Promise<AuditEntry[]>;
  identityLinks: Map<string, string>;
  token(partnerId: string, role: Role, ttl?: string): Promise<string>;
  gql(query: string, variables?: Record<string, unknown>, token?: string): Promise<GqlResponse>;
  produce(topic: string, key: string | null, value: unknown): Promise<void>;
  close(): Promise<void>;
}

/** A GraphQL response body. */
export interface GqlResponse {
  data?: Record<string, unknown> | null;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
}

/** Start a gateway. */
/** Which implementation of the ports a harness runs on. */
export type PortsMode = 'stand-in' | 'policies';

/** Start a gateway. */
export async function startHarness(
  options: {
    contracts?: ContractView[];
    overrides?: Partial<GatewayOptions>;
    mode?: PortsMode;
    /** Policies mode: more contracts in the file format, and host settings. */
    real?: RealPolicyOptions;
  } = {},
): Promise<Harness> {
  const dataDir = createTempDir('gateway');
  const log = createEmbeddedLog({
    path: `${dataDir}/log.sqlite`,
    pollIntervalMs: 20,
    heartbeatIntervalMs: 100,
  });
  const contractViews = options.contracts ??
    (options.real?.contractInputs ? [] : undefined) ?? [
      brandContract('brand-acme', { campaigns: ['cmp-acme-1'] }),
      brandContract('brand-zest', { campaigns: ['cmp-zest-1'], segments: ['seg-coffee'] }),
      qsrContract('qsr-burger'),
    ];
  const audit = createStandInAudit();
  const identityLinks = new Map<string, string>();
  let closePorts = async (): Promise<void> => {};
  let ports: Omit<GatewayOptions, 'log' | 'dataDir'>;
  if (options.mode === 'policies') {
    const real = await openRealPolicies(dataDir, contractViews, options.real);
    closePorts = real.close;
    ports = { ...real.ports, auth: { hostPrincipals: real.hostPrincipals } };
  } else {
    const contracts = createStandInContracts(contractViews);
    ports = {
      policy: createStandInPolicy(contracts),
      contracts,
      audit,
      pseudonyms: createStandInPseudonyms(),
      identity: createStandInIdentity(identityLinks),
      budget: createStandInBudget(),
      noise: policyNoise,
    };
  }
  const gateway = await createGateway({
    log,
    dataDir,
    ...ports,
    privacy: testPrivacy(),
    ...options.overrides,
  });
  const { url } = await gateway.listen(0, '127.0.0.1');
  const keys = gateway.devKeys;
  if (keys === null) throw new Error('the harness uses the development key');
  return {
    gateway,
    log,
    url,
    dataDir,
    audit,
    async auditEntries() {
      const entries: AuditEntry[] = [];
      let afterSequence: number | undefined;
      for (;;) {
        const page = await gateway.services.audit.list({
          first: 1_000,
          ...(afterSequence !== undefined ? { afterSequence } : {}),
        });
        entries.push(...page.entries);
        if (!page.hasNextPage || page.entries.length === 0) return entries;
        afterSequence = page.entries.at(-1)?.sequence;
      }
    },
    identityLinks,
    token: (partnerId, role, ttl) => mintDevToken(keys, { partnerId, role, ...(ttl ? { ttl } : {}) }),
    async gql(query, variables, token) {
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/graphql-response+json, application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify({ query, variables }),
      });
      return (await response.json()) as GqlResponse;
    },
    async produce(topic, key, value) {
      await log.produce(topic, [{ key, value: JSON.stringify(value) }]);
    },
    async close() {
      await gateway.close();
      await closePorts();
      await log.close();
      removeTempDir(dataDir);
    },
  };
}

let sequence = 0;

/** A segment change record. */
export function segmentChange(
  segmentId: string,
  subjectId: string,
  action: 'entered' | 'exited',
  partnerSharing = true,
): SegmentChange {
  sequence += 1;
  return {
    changeId: `seg:${segmentId}:${subjectId}:${sequence}`,
    segmentId,
    subjectId,
    action,
    at: new Date(Date.UTC(2026, 10, 1, 12, 0, sequence % 60)).toISOString(),
    cause: 'event',
    segmentSize: 0,
    partnerSharing,
  };
}

/**
 * Produce `count` distinct members into a segment (subject ids `<prefix>-<n>`), each first described by a
 * consent record with measurement and partner sharing, as ingest describes every loyalty member (a subject
 * without a record has the host's default consent, which is none).
 */
export async function fillSegment(
  harness: Harness,
  segmentId: string,
  count: number,
  prefix = 'subj',
): Promise<void> {
  const subjects = Array.from({ length: count }, (_, index) => `${prefix}-${index}`);
  await harness.log.produce(
    TOPICS.consent,
    subjects.map((subjectId) => ({ key: subjectId, value: JSON.stringify(consentChange(subjectId, true)) })),
  );
  const messages = subjects.map((subjectId) => {
    const change = segmentChange(segmentId, subjectId, 'entered');
    return { key: change.subjectId, value: JSON.stringify(change) };
  });
  await harness.log.produce(TOPICS.segmentChanges, messages);
}

/**
 * Produce segment changes onto `log`, each subject described first (once per call) by a consent record with
 * partner sharing, as ingest describes every loyalty member. For tests whose gateway runs in another process.
 */
export async function produceMembers(
  log: Log,
  segmentId: string,
  subjectIds: string[],
  action: 'entered' | 'exited' = 'entered',
): Promise<void> {
  if (action === 'entered') {
    await log.produce(
      TOPICS.consent,
      [...new Set(subjectIds)].map((subjectId) => ({
        key: subjectId,
        value: JSON.stringify(consentChange(subjectId, true)),
      })),
    );
  }
  await log.produce(
    TOPICS.segmentChanges,
    subjectIds.map((subjectId) => ({
      key: subjectId,
      value: JSON.stringify(segmentChange(segmentId, subjectId, action)),
    })),
  );
}

/** Produce one new member of a segment, described first by a consent record with partner sharing. */
export async function addMember(harness: Harness, segmentId: string, subjectId: string): Promise<void> {
  await harness.produce(TOPICS.consent, subjectId, consentChange(subjectId, true));
  await harness.produce(TOPICS.segmentChanges, subjectId, segmentChange(segmentId, subjectId, 'entered'));
}

/**
 * Fill a segment well above the activation minimum (50 for the test contracts, the host default of 100 for real
 * contracts) and wait until the gateway sees it, so that audience-signal gates open: a test about something
 * else than activation starts from here.
 */
export async function openSegment(
  harness: Harness,
  segmentId: string,
  prefix = `${segmentId}-base`,
): Promise<void> {
  const target = 150;
  await fillSegment(harness, segmentId, target, prefix);
  const deadline = Date.now() + 10_000;
  while (harness.gateway.services.readModels.shareableSegmentSize(segmentId) < target) {
    if (Date.now() > deadline) throw new Error(`segment ${segmentId} did not fill`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A consent change record. */
export function consentChange(subjectId: string, partnerSharing: boolean, measurement = true): ConsentChange {
  sequence += 1;
  return {
    changeId: `consent:${sequence}`,
    subjectId,
    occurredAt: new Date().toISOString(),
    consent: { measurement, personalization: true, partnerSharing },
    erased: false,
  };
}

/** A campaign record. */
export function campaign(campaignId: string, brand: string): CampaignInfo {
  return {
    campaignId,
    brand,
    name: `Campaign ${campaignId}`,
    startsAt: '2026-11-01T00:00:00Z',
    products: { brands: [brand] },
    clickLookbackDays: 14,
    viewLookbackDays: 1,
    holdoutPercent: 0,
  };
}

/** A region-level `cleanroom.stock` record of one product. */
export function stockStatus(
  sku: string,
  brand: string,
  region: string,
  inStockShare: number,
  at = '2026-11-02T10:00:00.000Z',
): StockStatus {
  return {
    statusId: `stock:region:${sku}:${region}:${at}`,
    level: 'region',
    sku,
    category: 'widgets',
    brand,
    region,
    storesKnown: 4,
    storesInStock: Math.round(inStockShare * 4),
    inStockShare,
    inStock: inStockShare >= 0.5,
    at,
  };
}

/** A `cleanroom.campaign-pauses` record. */
export function campaignPause(
  campaignId: string,
  brand: string,
  sku: string,
  region: string,
  action: 'pause' | 'resume',
  substitute: string | null = null,
): CampaignPause {
  return {
    decisionId: `pause:${campaignId}:${sku}:${region}:${action}`,
    campaignId,
    brand,
    sku,
    region,
    action,
    at: '2026-11-02T10:00:00.000Z',
    inStockShare: action === 'pause' ? 0.25 : 0.5,
    substitute: substitute === null ? null : { sku: substitute, inStockShare: 1 },
  };
}

/** An attribution aggregate record. */
export function aggregate(
  campaignId: string,
  day: string,
  channel: 'online' | 'store',
  exposedSubjects: number,
  version = 1,
): AttributionAggregate {
  return {
    kind: 'aggregate',
    aggregateId: `agg:${campaignId}:${day}:${channel}:last_touch`,
    version,
    campaignId,
    day,
    channel,
    model: 'last_touch',
    exposedSubjects,
    convertingSubjects: Math.floor(exposedSubjects / 10),
    conversions: Math.floor(exposedSubjects / 10),
    revenue: exposedSubjects * 3,
    directRevenue: exposedSubjects * 2,
    haloRevenue: exposedSubjects,
    spend: exposedSubjects,
    // As the attribution stage bounds them: here every subject is within the bounds, so they equal the sums.
    bounded: {
      exposedSubjects,
      conversions: Math.floor(exposedSubjects / 10),
      revenue: exposedSubjects * 3,
      spend: exposedSubjects,
    },
  };
}

/** A trigger record. */
export function trigger(category: string, region: string, hour: number, distinctBuyers = 120): Trigger {
  const windowStart = new Date(Date.UTC(2026, 10, 1, hour)).toISOString();
  return {
    triggerId: `trigger:${category}:${region}:${windowStart}`,
    category,
    region,
    windowStart,
    windowEnd: new Date(Date.UTC(2026, 10, 1, hour + 1)).toISOString(),
    lift: 2.4,
    baseline: 50,
    observed: 120,
    distinctBuyers,
  };
}

/** The error codes of a response. */
export function codes(response: GqlResponse): string[] {
  return (response.errors ?? []).map((error) => String(error.extensions?.['code']));
}
