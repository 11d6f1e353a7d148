/**
 * Every role against every root field: allowed, or FORBIDDEN, exactly as the access rules say; every
 * decision (allowed or not) is on the audit log.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES } from '../../gateway/index.ts';
import type { GatewayAction, Role } from '../../gateway/index.ts';
import { TOPICS } from '../../schema/index.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { collect, errorCodes, wsClient } from './support/clients.ts';
import { brandContract, campaign, codes, startHarness, stockStatus } from './support/harness.ts';
import { toContractInput } from './support/real-policies.ts';
import type { Harness } from './support/harness.ts';

/**
 * The expected access rules, stated here (DESIGN.md section 8) rather than read from any implementation: both
 * the stand-in policy and the real engine are held to this table.
 */
const EXPECTED_ACCESS: Readonly<Record<GatewayAction, readonly Role[]>> = {
  'me.read': ['BRAND', 'QSR', 'PRIVACY_OFFICER', 'HOST_ADMIN'],
  'consent.read': ['PRIVACY_OFFICER', 'HOST_ADMIN'],
  'segments.list': ['BRAND', 'HOST_ADMIN'],
  'segment.size': ['BRAND', 'HOST_ADMIN'],
  'campaigns.list': ['BRAND', 'HOST_ADMIN'],
  'campaign.report': ['BRAND', 'HOST_ADMIN'],
  'audience.upload': ['BRAND'],
  'audience.overlap': ['BRAND'],
  'budget.read': ['BRAND', 'QSR', 'PRIVACY_OFFICER', 'HOST_ADMIN'],
  'triggers.read': ['QSR', 'HOST_ADMIN'],
  'decisions.read': ['PRIVACY_OFFICER'],
  'audit.verify': ['PRIVACY_OFFICER'],
  'audit.sth': ['PRIVACY_OFFICER'],
  'audit.proof': ['PRIVACY_OFFICER'],
  'contracts.read': ['PRIVACY_OFFICER', 'HOST_ADMIN'],
  'contracts.upsert': ['HOST_ADMIN'],
  'keys.rotate': ['HOST_ADMIN'],
  'signals.subscribe': ['BRAND'],
  'triggers.subscribe': ['QSR', 'HOST_ADMIN'],
  'campaign.metrics.subscribe': ['BRAND', 'HOST_ADMIN'],
  'decisions.subscribe': ['PRIVACY_OFFICER'],
  'stock.status': ['BRAND', 'HOST_ADMIN'],
  'campaign.pauses': ['BRAND', 'HOST_ADMIN'],
  'campaign.bids.subscribe': ['BRAND', 'HOST_ADMIN'],
  'offers.report': ['BRAND', 'HOST_ADMIN'],
};

const PRINCIPAL_OF: Record<Role, string> = {
  BRAND: 'brand-acme',
  QSR: 'qsr-burger',
  PRIVACY_OFFICER: 'officer-1',
  HOST_ADMIN: 'ops-1',
};

/** A list the host's minimum upload size (100) accepts. */
const HASHES = JSON.stringify(
  Array.from({ length: 100 }, (_, index) => createHash('sha256').update(`matrix-${index}`).digest('base64')),
);

const contractDocument = JSON.stringify({
  partnerId: 'brand-new',
  kind: 'BRAND',
  purposes: ['measurement'],
  segments: [],
  campaigns: [],
  ownCampaigns: false,
  triggerCategories: [],
  triggerRegions: [],
  kThreshold: 50,
  epsilonPerAggregate: 0.5,
  budgetEpsilon: 5,
  budgetWindow: 'day',
  pseudonymousSignals: false,
  requestsPerMinute: null,
});

const OPERATIONS: Array<{
  field: string;
  action: GatewayAction;
  document: string;
  subscription?: boolean;
  /** When the field allows fewer roles than its action does. */
  roles?: Role[];
}> = [
  { field: 'me', action: 'me.read', document: '{ me { id role } }' },
  { field: 'segments', action: 'segments.list', document: '{ segments { id name } }' },
  {
    field: 'segmentSize',
    action: 'segment.size',
    document: '{ segmentSize(segmentId: "seg-plant") { value } }',
  },
  { field: 'campaigns', action: 'campaigns.list', document: '{ campaigns { id brand name } }' },
  {
    field: 'campaignReport',
    action: 'campaign.report',
    document: '{ campaignReport(campaignId: "cmp-acme-1") { campaignId exact } }',
  },
  {
    field: 'audienceOverlap',
    action: 'audience.overlap',
    document: 'query ($upload: ID!) { audienceOverlap(uploadId: $upload) { uploadId } }',
  },
  {
    field: 'privacyBudget',
    action: 'budget.read',
    document: '{ privacyBudget { window epsilonRemaining } }',
  },
  {
    field: 'crossIndustryTriggers',
    action: 'triggers.read',
    document: '{ crossIndustryTriggers(first: 5) { edges { cursor } pageInfo { hasNextPage } } }',
  },
  {
    field: 'policyDecisions',
    action: 'decisions.read',
    document: '{ policyDecisions(first: 1) { edges { cursor } } }',
  },
  { field: 'verifyAuditLog', action: 'audit.verify', document: '{ verifyAuditLog { valid size } }' },
  { field: 'signedTreeHead', action: 'audit.sth', document: '{ signedTreeHead { size rootHash } }' },
  {
    field: 'inclusionProof',
    action: 'audit.proof',
    document: '{ inclusionProof(sequence: 0) { sequence } }',
  },
  {
    field: 'privacyBudgets',
    action: 'budget.read',
    document: '{ privacyBudgets { partnerId epsilonRemaining } }',
    roles: ['PRIVACY_OFFICER', 'HOST_ADMIN'],
  },
  {
    field: 'consentSummary',
    action: 'consent.read',
    document: '{ consentSummary { total optedOut erased } }',
  },
  { field: 'contracts', action: 'contracts.read', document: '{ contracts { partnerId version } }' },
  {
    field: 'uploadAudience',
    action: 'audience.upload',
    document: `mutation { uploadAudience(name: "list", hashedEmails: ${HASHES}) { id submitted } }`,
  },
  {
    field: 'upsertContract',
    action: 'contracts.upsert',
    document: `mutation { upsertContract(input: { document: ${JSON.stringify(contractDocument)} }) { partnerId } }`,
  },
  {
    field: 'rotatePartnerKey',
    action: 'keys.rotate',
    document: 'mutation { rotatePartnerKey(partnerId: "brand-acme") { epoch } }',
  },
  {
    field: 'stockStatus',
    action: 'stock.status',
    document: '{ stockStatus(productIds: ["acme-widget-1"]) { productId region inStockShare } }',
  },
  {
    field: 'campaignPauses',
    action: 'campaign.pauses',
    document: '{ campaignPauses(campaignId: "cmp-acme-1") { productId region substitute } }',
  },
  {
    field: 'offerReport',
    action: 'offers.report',
    document:
      '{ offerReport(from: "2026-11-01T00:00:00Z", to: "2026-11-02T00:00:00Z", regions: ["west"], brand: "brand-acme") { brand rows { day } } }',
  },
  {
    field: 'audienceSignals',
    action: 'signals.subscribe',
    document: 'subscription { audienceSignals { segmentId pseudonym action cursor } }',
    subscription: true,
  },
  {
    field: 'triggerFired',
    action: 'triggers.subscribe',
    document: 'subscription { triggerFired { id category } }',
    subscription: true,
  },
  {
    field: 'campaignMetrics',
    action: 'campaign.metrics.subscribe',
    document: 'subscription { campaignMetrics(campaignId: "cmp-acme-1") { exposedSubjects } }',
    subscription: true,
  },
  {
    field: 'bidMultipliers',
    action: 'campaign.bids.subscribe',
    document: 'subscription { bidMultipliers(campaignId: "cmp-acme-1") { placements { multiplier } } }',
    subscription: true,
  },
  {
    field: 'policyDecisionLogged',
    action: 'decisions.subscribe',
    document: 'subscription { policyDecisionLogged { id effect } }',
    subscription: true,
  },
];

describe.each(['stand-in', 'policies'] as const)('access matrix (%s ports)', (mode) => {
  let harness: Harness;
  let uploadId = '';
  beforeAll(async () => {
    harness = await startHarness({ mode });
    await harness.produce(TOPICS.campaigns, 'cmp-acme-1', campaign('cmp-acme-1', 'brand-acme'));
    await harness.produce(
      TOPICS.stock,
      'acme-widget-1',
      stockStatus('acme-widget-1', 'brand-acme', 'west', 0.75),
    );
    await waitFor(() => harness.gateway.services.readModels.campaign('cmp-acme-1') !== undefined);
    await waitFor(() => harness.gateway.services.readModels.productBrand('acme-widget-1') !== undefined);
    const upload = await harness.gql(
      `mutation { uploadAudience(name: "matrix", hashedEmails: ${HASHES}) { id } }`,
      {},
      await harness.token('brand-acme', 'BRAND'),
    );
    uploadId = (upload.data?.['uploadAudience'] as { id: string }).id;
  });
  afterAll(async () => {
    await harness.close();
  });

  it('lets anyone, even without a token, ask for health', async () => {
    expect((await harness.gql('{ health { status } }')).data).toEqual({ health: { status: 'ok' } });
  });

  const cases = ROLES.flatMap((role) => OPERATIONS.map((operation) => ({ role, ...operation })));
  it.each(cases)('$role -> $field', async ({ role, field, action, document, subscription, roles }) => {
    const principal = PRINCIPAL_OF[role];
    const token = await harness.token(principal, role);
    const allowed = (roles ?? EXPECTED_ACCESS[action]).includes(role);
    const before = (await harness.auditEntries()).length;
    let errorCodesSeen: string[];
    if (subscription === true) {
      const client = wsClient(harness.url, token);
      const running = collect<unknown>(client, document, field);
      // A denial must reach the client as an error; an allowed subscription shows as its audited decision.
      await waitFor(
        async () =>
          running.errors.length > 0 ||
          (allowed &&
            (await harness.auditEntries())
              .slice(before)
              .some((entry) => entry.principal === principal && entry.action === action)),
        { message: `a decision for ${role} ${field}` },
      );
      errorCodesSeen = errorCodes(running.errors);
      running.stop();
      await client.dispose();
    } else {
      const text =
        field === 'upsertContract' && mode === 'policies'
          ? `mutation ($document: String!) { upsertContract(input: { document: $document }) { partnerId version } }`
          : document;
      const variables =
        field === 'upsertContract' && mode === 'policies'
          ? { document: JSON.stringify(toContractInput(brandContract('brand-new'))) }
          : { upload: uploadId };
      const response = await harness.gql(text, variables, token);
      if (allowed && field === 'upsertContract') expect(response.errors).toBeUndefined();
      errorCodesSeen = codes(response);
      if (!allowed) expect(response.data).toBeNull();
    }
    const entry = (await harness.auditEntries())
      .slice(before)
      .find((candidate) => candidate.principal === principal && candidate.action === action);
    expect(entry, 'the decision is audited').toBeDefined();
    if (allowed) {
      expect(errorCodesSeen).not.toContain('FORBIDDEN');
      expect(entry?.code).not.toBe('FORBIDDEN');
    } else {
      expect(errorCodesSeen).toEqual(['FORBIDDEN']);
      expect(entry).toMatchObject({ effect: 'deny', code: 'FORBIDDEN' });
    }
  });
});
