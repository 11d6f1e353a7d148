import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadContracts, parseContract } from '../../policies/contracts/index.ts';
import type { VersionedContract } from '../../policies/contracts/index.ts';
import { decide } from '../../policies/engine.ts';
import { ACTIONS, ROLES } from '../../policies/engine-model.ts';
import type { Action, DecisionContext, Principal, Resource, Role } from '../../policies/engine-model.ts';

const EXAMPLES = fileURLToPath(new URL('../../examples/contracts/', import.meta.url));
const loaded = loadContracts(EXAMPLES);
const host = loaded.host;
const NOW = new Date('2026-03-10T12:00:00Z');

function contractOf(partnerId: string): VersionedContract {
  const found = loaded.contracts.find(({ contract }) => contract.partnerId === partnerId);
  if (found === undefined) throw new Error(`no sample contract for ${partnerId}`);
  return { version: found.version, contract: found.contract };
}

/** The sample principal of each role, with its contract. */
const ACTORS: Record<Role, { principal: Principal; contract: VersionedContract | undefined }> = {
  BRAND: { principal: { id: 'fresh-oats', role: 'BRAND' }, contract: contractOf('fresh-oats') },
  QSR: { principal: { id: 'burger-barn', role: 'QSR' }, contract: contractOf('burger-barn') },
  PRIVACY_OFFICER: { principal: { id: 'dpo', role: 'PRIVACY_OFFICER' }, contract: undefined },
  HOST_ADMIN: { principal: { id: 'host-ops', role: 'HOST_ADMIN' }, contract: undefined },
};

/** A well-formed request for each action, about the principal's own things where ownership matters. */
function resourceFor(action: Action, principal: Principal): Resource {
  switch (action) {
    case 'segments.list':
      return { kind: 'segment' };
    case 'segment.size':
      return { kind: 'segment', id: 'plant-based-buyers' };
    case 'campaigns.list':
      return { kind: 'campaign' };
    case 'campaign.report':
    case 'campaign.metrics.subscribe':
      return { kind: 'campaign', id: 'spring-oats', ownerPartnerId: principal.id };
    case 'audience.upload':
      return { kind: 'audience', ownerPartnerId: principal.id };
    case 'audience.overlap':
      return { kind: 'audience', id: 'upload-1', ownerPartnerId: principal.id };
    case 'budget.read':
      return { kind: 'budget', ownerPartnerId: principal.id };
    case 'triggers.read':
    case 'triggers.subscribe':
      return { kind: 'trigger', categories: ['plant_based_meat'], regions: ['west'] };
    case 'signals.subscribe':
      return { kind: 'signal', segmentIds: ['plant-based-buyers'] };
    case 'decisions.read':
    case 'decisions.subscribe':
      return { kind: 'decision' };
    case 'audit.verify':
    case 'audit.sth':
      return { kind: 'audit' };
    case 'audit.proof':
      return { kind: 'audit', id: '3' };
    case 'contracts.read':
      return { kind: 'contract' };
    case 'contracts.upsert':
    case 'keys.rotate':
      return { kind: action === 'keys.rotate' ? 'key' : 'contract', id: 'fresh-oats' };
    case 'stock.status':
      return { kind: 'stock', ownerPartnerId: principal.id };
    case 'campaign.pauses':
    case 'campaign.bids.subscribe':
      return { kind: 'campaign', id: 'spring-oats', ownerPartnerId: principal.id };
    case 'offers.report':
      return { kind: 'offer', ownerPartnerId: principal.id };
  }
}

const A = 'allow';
const D = 'deny';
/** The decision table: what every role may do with its sample contract. Deny unless listed as allow. */
const EXPECTED: Record<Action, Record<Role, 'allow' | 'deny'>> = {
  //                           BRAND QSR PRIVACY_OFFICER HOST_ADMIN
  'segments.list': { BRAND: A, QSR: D, PRIVACY_OFFICER: D, HOST_ADMIN: A },
  'segment.size': { BRAND: A, QSR: D, PRIVACY_OFFICER: D, HOST_ADMIN: A },
  'campaigns.list': { BRAND: A, QSR: D, PRIVACY_OFFICER: D, HOST_ADMIN: A },
  'campaign.report': { BRAND: A, QSR: D, PRIVACY_OFFICER: D, HOST_ADMIN: A },
  'campaign.metrics.subscribe': { BRAND: A, QSR: D, PRIVACY_OFFICER: D, HOST_ADMIN: A },
  'audience.upload': { BRAND: A, QSR: D, PRIVACY_OFFICER: D, HOST_ADMIN: D },
  'audience.overlap': { BRAND: A, QSR: D, PRIVACY_OFFICER: D, HOST_ADMIN: D },
  'budget.read': { BRAND: A, QSR: A, PRIVACY_OFFICER: A, HOST_ADMIN: A },
  'triggers.read': { BRAND: D, QSR: A, PRIVACY_OFFICER: D, HOST_ADMIN: A },
  'triggers.subscribe': { BRAND: D, QSR: A, PRIVACY_OFFICER: D, HOST_ADMIN: A },
  'signals.subscribe': { BRAND: A, QSR: D, PRIVACY_OFFICER: D, HOST_ADMIN: D },
  'decisions.read': { BRAND: D, QSR: D, PRIVACY_OFFICER: A, HOST_ADMIN: D },
  'decisions.subscribe': { BRAND: D, QSR: D, PRIVACY_OFFICER: A, HOST_ADMIN: D },
  'audit.verify': { BRAND: D, QSR: D, PRIVACY_OFFICER: A, HOST_ADMIN: D },
  'audit.sth': { BRAND: D, QSR: D, PRIVACY_OFFICER: A, HOST_ADMIN: D },
  'audit.proof': { BRAND: D, QSR: D, PRIVACY_OFFICER: A, HOST_ADMIN: D },
  'contracts.read': { BRAND: D, QSR: D, PRIVACY_OFFICER: A, HOST_ADMIN: A },
  'contracts.upsert': { BRAND: D, QSR: D, PRIVACY_OFFICER: D, HOST_ADMIN: A },
  'keys.rotate': { BRAND: D, QSR: D, PRIVACY_OFFICER: D, HOST_ADMIN: A },
  'stock.status': { BRAND: A, QSR: D, PRIVACY_OFFICER: D, HOST_ADMIN: A },
  'campaign.pauses': { BRAND: A, QSR: D, PRIVACY_OFFICER: D, HOST_ADMIN: A },
  'campaign.bids.subscribe': { BRAND: A, QSR: D, PRIVACY_OFFICER: D, HOST_ADMIN: A },
  'offers.report': { BRAND: A, QSR: D, PRIVACY_OFFICER: D, HOST_ADMIN: A },
};

const contextFor = (role: Role, overrides: Partial<DecisionContext> = {}): DecisionContext => ({
  contract: ACTORS[role].contract,
  host,
  now: NOW,
  pseudonymEpoch: 4,
  ...overrides,
});

describe('decide: the decision table (every role x every action)', () => {
  it('covers exactly the closed list of actions', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual([...ACTIONS].sort());
  });

  const cells = ACTIONS.flatMap((action) =>
    ROLES.map((role) => ({ role, action, expected: EXPECTED[action][role] })),
  );
  it.each(cells)('$role $action -> $expected', ({ role, action, expected }) => {
    const { principal } = ACTORS[role];
    const decision = decide(principal, action, resourceFor(action, principal), contextFor(role));
    expect(decision.effect, decision.reasons.join('; ')).toBe(expected);
    expect(decision.reasons.length).toBeGreaterThan(0);
    if (decision.effect === 'deny') {
      expect(decision.code).toBe('FORBIDDEN');
      expect(decision.obligations).toEqual({});
    }
    const partner = role === 'BRAND' || role === 'QSR';
    expect(decision.contractVersion).toBe(partner ? ACTORS[role].contract?.version : null);
  });
});

describe('decide: inventory actions', () => {
  const brand = ACTORS.BRAND.principal;
  const contract = ACTORS.BRAND.contract!;

  it('allows stock status of its own products without threshold or noise', () => {
    const decision = decide(
      brand,
      'stock.status',
      { kind: 'stock', ownerPartnerId: 'fresh-oats' },
      contextFor('BRAND'),
    );
    expect(decision.effect).toBe('allow');
    expect(decision.obligations.thresholdK).toBeUndefined();
    expect(decision.obligations.noiseEpsilon).toBeUndefined();
  });

  it('denies another brand’s products, and products whose owner the gateway could not name', () => {
    for (const resource of [
      { kind: 'stock' as const, ownerPartnerId: 'sparkle-soda' },
      { kind: 'stock' as const },
    ]) {
      const decision = decide(brand, 'stock.status', resource, contextFor('BRAND'));
      expect(decision.effect).toBe('deny');
      expect(decision.reasons).toEqual(['stock status is shared for the partner’s own products only']);
    }
  });

  it('denies an inventory action the contract does not name, and stock by region under country geography', () => {
    const without = {
      version: 'v-test',
      contract: {
        ...contract.contract,
        visibility: { ...contract.contract.visibility, inventory: { actions: [], substitution: false } },
      },
    };
    const denied = decide(
      brand,
      'stock.status',
      { kind: 'stock', ownerPartnerId: 'fresh-oats' },
      contextFor('BRAND', { contract: without }),
    );
    expect(denied.reasons).toEqual(['the contract does not name the inventory action stock.status']);
    const country = {
      version: 'v-test',
      contract: { ...contract.contract, geoGranularity: 'country' as const },
    };
    const coarse = decide(
      brand,
      'stock.status',
      { kind: 'stock', ownerPartnerId: 'fresh-oats' },
      contextFor('BRAND', { contract: country }),
    );
    expect(coarse.effect).toBe('deny');
    const pauses = decide(
      brand,
      'campaign.pauses',
      { kind: 'campaign', id: 'c', ownerPartnerId: 'sparkle-soda' },
      contextFor('BRAND'),
    );
    expect(pauses.effect).toBe('deny');
  });
});

describe('decide: obligations', () => {
  const brand = ACTORS.BRAND.principal;

  it('a brand aggregate carries threshold, noise, budget, geo, consent and rate limit', () => {
    const decision = decide(
      brand,
      'segment.size',
      { kind: 'segment', id: 'plant-based-buyers' },
      contextFor('BRAND'),
    );
    expect(decision.obligations).toEqual({
      thresholdK: 50,
      noiseEpsilon: 0.5,
      budget: { epsilonLimit: 10, window: 'day' },
      coarsenGeo: 'region',
      dropFields: [],
      requireConsent: ['measurement'],
      rateLimit: { requestsPerMinute: 600, maxSubscriptions: 20 },
    });
  });

  it('sparkle-soda gets its stricter threshold, smaller epsilon, weekly budget and country geography', () => {
    const principal: Principal = { id: 'sparkle-soda', role: 'BRAND' };
    const decision = decide(
      principal,
      'campaign.report',
      { kind: 'campaign', id: 'fizz-summer', ownerPartnerId: 'sparkle-soda' },
      contextFor('BRAND', { contract: contractOf('sparkle-soda') }),
    );
    expect(decision.obligations).toMatchObject({
      thresholdK: 100,
      noiseEpsilon: 0.25,
      budget: { epsilonLimit: 20, window: 'week' },
      coarsenGeo: 'country',
    });
  });

  it('signals are pseudonymised with the key epoch and need partner-sharing consent', () => {
    const decision = decide(brand, 'signals.subscribe', { kind: 'signal' }, contextFor('BRAND'));
    expect(decision.obligations).toMatchObject({
      pseudonymize: { epoch: 4 },
      requireConsent: ['partnerSharing'],
      scope: { segmentIds: ['plant-based-buyers', 'plant-milk-buyers', 'high-value-loyalty'] },
    });
  });

  it('the host admin gets exact aggregates, and the decision still says so', () => {
    const decision = decide(
      ACTORS.HOST_ADMIN.principal,
      'campaign.report',
      { kind: 'campaign', id: 'spring-oats', ownerPartnerId: 'fresh-oats' },
      contextFor('HOST_ADMIN'),
    );
    expect(decision).toEqual({
      effect: 'allow',
      obligations: { exact: true },
      reasons: ['the host sees exact aggregates of its own data'],
      contractVersion: null,
    });
  });

  it('lists are scoped to what the contract shares', () => {
    expect(
      decide(brand, 'campaigns.list', { kind: 'campaign' }, contextFor('BRAND')).obligations.scope,
    ).toEqual({
      ownCampaigns: true,
      campaignIds: [],
    });
    const qsr = decide(ACTORS.QSR.principal, 'triggers.subscribe', { kind: 'trigger' }, contextFor('QSR'));
    expect(qsr.obligations.scope).toEqual({
      categories: ['plant_based_meat', 'burgers', 'soda'],
      regions: 'all',
    });
    expect(qsr.obligations.thresholdK).toBe(50);
  });
});

describe('decide: denials', () => {
  const brand = ACTORS.BRAND.principal;
  const expectDeny = (decision: ReturnType<typeof decide>, code: string, reason: RegExp) => {
    expect(decision.effect).toBe('deny');
    expect(decision).toMatchObject({ code, obligations: {} });
    expect(decision.reasons.join(' ')).toMatch(reason);
  };

  it("a brand asking for another brand's campaign is FORBIDDEN", () => {
    // The same refusal as for a campaign that does not exist: no oracle of other brands' campaign ids.
    const resource: Resource = { kind: 'campaign', id: 'fizz-summer', ownerPartnerId: 'sparkle-soda' };
    expectDeny(
      decide(brand, 'campaign.report', resource, contextFor('BRAND')),
      'FORBIDDEN',
      /not visible under the contract/,
    );
    expectDeny(
      decide(brand, 'campaign.metrics.subscribe', resource, contextFor('BRAND')),
      'FORBIDDEN',
      /not visible under the contract/,
    );
  });

  it('a campaign whose owner is unknown is denied, unless the contract names it', () => {
    const resource: Resource = { kind: 'campaign', id: 'joint-promo' };
    expectDeny(
      decide(brand, 'campaign.report', resource, contextFor('BRAND')),
      'FORBIDDEN',
      /not visible under the contract/,
    );
    const withId = parseContract({
      ...contractOf('fresh-oats').contract,
      // No segments shared, so no offer targeting one either.
      offers: [],
      visibility: { segments: [], campaigns: { own: true, ids: ['joint-promo'] } },
    });
    expect(decide(brand, 'campaign.report', resource, contextFor('BRAND', { contract: withId })).effect).toBe(
      'allow',
    );
  });

  it('a partner with no contract is denied', () => {
    expectDeny(
      decide(brand, 'segments.list', { kind: 'segment' }, contextFor('BRAND', { contract: undefined })),
      'FORBIDDEN',
      /no contract/,
    );
  });

  it('no principal is UNAUTHENTICATED', () => {
    expectDeny(
      decide(null, 'segments.list', { kind: 'segment' }, contextFor('BRAND')),
      'UNAUTHENTICATED',
      /principal/,
    );
    expectDeny(
      decide({ id: '', role: 'BRAND' }, 'segments.list', { kind: 'segment' }, contextFor('BRAND')),
      'UNAUTHENTICATED',
      /principal/,
    );
  });

  it('unknown roles, unknown actions and mismatched resource kinds are denied', () => {
    const context = contextFor('BRAND');
    expectDeny(
      decide({ id: 'fresh-oats', role: 'ROOT' as Role }, 'segments.list', { kind: 'segment' }, context),
      'FORBIDDEN',
      /role/,
    );
    expectDeny(
      decide(brand, 'segments.delete' as Action, { kind: 'segment' }, context),
      'FORBIDDEN',
      /action/,
    );
    expectDeny(
      decide(brand, 'segment.size', { kind: 'campaign', id: 'plant-based-buyers' }, context),
      'FORBIDDEN',
      /segment resource/,
    );
  });

  it("a contract that is not the principal's, or of the wrong kind, is denied", () => {
    expectDeny(
      decide(
        brand,
        'segments.list',
        { kind: 'segment' },
        contextFor('BRAND', { contract: contractOf('sparkle-soda') }),
      ),
      'FORBIDDEN',
      /another partner/,
    );
    expectDeny(
      decide({ id: 'burger-barn', role: 'BRAND' }, 'budget.read', { kind: 'budget' }, contextFor('QSR')),
      'FORBIDDEN',
      /for a QSR/,
    );
  });

  it('a contract outside its validity period is denied', () => {
    const dated = parseContract({
      ...contractOf('fresh-oats').contract,
      validFrom: '2026-01-01T00:00:00Z',
      validUntil: '2026-03-01T00:00:00Z',
    });
    const request = [brand, 'segments.list', { kind: 'segment' }] as const;
    expectDeny(decide(...request, contextFor('BRAND', { contract: dated })), 'FORBIDDEN', /expired/);
    expectDeny(
      decide(...request, contextFor('BRAND', { contract: dated, now: new Date('2025-12-31T00:00:00Z') })),
      'FORBIDDEN',
      /not in force/,
    );
    expect(
      decide(...request, contextFor('BRAND', { contract: dated, now: new Date('2026-02-01T00:00:00Z') }))
        .effect,
    ).toBe('allow');
  });

  it('a host role claimed by someone not listed in the host configuration is denied', () => {
    expectDeny(
      decide(
        { id: 'mallory', role: 'HOST_ADMIN' },
        'keys.rotate',
        { kind: 'key', id: 'fresh-oats' },
        contextFor('HOST_ADMIN'),
      ),
      'FORBIDDEN',
      /not a HOST_ADMIN/,
    );
    expectDeny(
      decide(
        { id: 'dpo', role: 'HOST_ADMIN' },
        'keys.rotate',
        { kind: 'key', id: 'fresh-oats' },
        contextFor('HOST_ADMIN'),
      ),
      'FORBIDDEN',
      /not a HOST_ADMIN/,
    );
  });

  it('segments, categories and regions outside the contract are denied', () => {
    expectDeny(
      decide(brand, 'segment.size', { kind: 'segment', id: 'lapsed-soda-buyers' }, contextFor('BRAND')),
      'FORBIDDEN',
      /not shared/,
    );
    expectDeny(
      decide(brand, 'segment.size', { kind: 'segment' }, contextFor('BRAND')),
      'FORBIDDEN',
      /no segment/,
    );
    expectDeny(
      decide(
        brand,
        'signals.subscribe',
        { kind: 'signal', segmentIds: ['plant-based-buyers', 'tv-researchers'] },
        contextFor('BRAND'),
      ),
      'FORBIDDEN',
      /tv-researchers/,
    );
    const qsr = ACTORS.QSR.principal;
    expectDeny(
      decide(qsr, 'triggers.read', { kind: 'trigger', categories: ['wine'] }, contextFor('QSR')),
      'FORBIDDEN',
      /wine/,
    );
    expect(
      decide(qsr, 'triggers.read', { kind: 'trigger', regions: ['anywhere-at-all'] }, contextFor('QSR'))
        .effect,
    ).toBe('allow');
  });

  it('a measurement-only brand gets no signals, and may not read the overlap of another brand’s upload', () => {
    const soda: Principal = { id: 'sparkle-soda', role: 'BRAND' };
    const context = contextFor('BRAND', { contract: contractOf('sparkle-soda') });
    expectDeny(decide(soda, 'signals.subscribe', { kind: 'signal' }, context), 'FORBIDDEN', /activation/);
    expectDeny(
      decide(soda, 'audience.overlap', { kind: 'audience', id: 'u1', ownerPartnerId: 'fresh-oats' }, context),
      'FORBIDDEN',
      /another partner/,
    );
    expectDeny(
      decide(soda, 'budget.read', { kind: 'budget', ownerPartnerId: 'fresh-oats' }, context),
      'FORBIDDEN',
      /another partner/,
    );
  });
});

describe('decide: purity', () => {
  function deepFreeze<T>(value: T): T {
    if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
      Object.freeze(value);
      for (const member of Object.values(value as Record<string, unknown>)) deepFreeze(member);
    }
    return value;
  }

  it('never mutates its inputs and answers the same request the same way', () => {
    for (const role of ROLES) {
      for (const action of ACTIONS) {
        const { principal } = ACTORS[role];
        const args = deepFreeze([
          structuredClone(principal),
          action,
          resourceFor(action, principal),
          structuredClone(contextFor(role)),
        ] as const);
        const first = decide(...args);
        expect(decide(...args)).toEqual(first);
      }
    }
  });

  it('hands out obligations that do not alias the contract', () => {
    const context = contextFor('BRAND');
    const decision = decide(ACTORS.BRAND.principal, 'segments.list', { kind: 'segment' }, context);
    decision.obligations.scope?.segmentIds?.push('tv-researchers');
    expect(context.contract?.contract.visibility.segments).toEqual([
      'plant-based-buyers',
      'plant-milk-buyers',
      'high-value-loyalty',
    ]);
  });
});

describe('decide: bid multipliers', () => {
  const brand = ACTORS.BRAND.principal;
  const contract = ACTORS.BRAND.contract!;
  const ownCampaign: Resource = { kind: 'campaign', id: 'spring-oats', ownerPartnerId: 'fresh-oats' };

  it('treats a brand’s own bids as an aggregate: threshold and noise, the host exact', () => {
    const decision = decide(brand, 'campaign.bids.subscribe', ownCampaign, contextFor('BRAND'));
    expect(decision.effect).toBe('allow');
    expect(decision.obligations.thresholdK).toBeGreaterThanOrEqual(50);
    expect(decision.obligations.noiseEpsilon).toBeGreaterThan(0);
    const host = decide(
      ACTORS.HOST_ADMIN.principal,
      'campaign.bids.subscribe',
      ownCampaign,
      contextFor('HOST_ADMIN'),
    );
    expect(host.obligations.exact).toBe(true);
  });

  it('denies without the contract’s bidding action, without measurement, and for another brand’s campaign', () => {
    const { bidding: _bidding, ...visibility } = contract.contract.visibility;
    const without = { version: 'v-test', contract: { ...contract.contract, visibility } };
    expect(
      decide(brand, 'campaign.bids.subscribe', ownCampaign, contextFor('BRAND', { contract: without }))
        .reasons,
    ).toEqual(['the contract does not name the bidding action campaign.bids.subscribe']);
    const noMeasurement = {
      version: 'v-test',
      contract: { ...contract.contract, purposes: ['activation' as const] },
    };
    expect(
      decide(brand, 'campaign.bids.subscribe', ownCampaign, contextFor('BRAND', { contract: noMeasurement }))
        .effect,
    ).toBe('deny');
    expect(
      decide(
        brand,
        'campaign.bids.subscribe',
        { kind: 'campaign', id: 'cmp-sparkle-soda-summer', ownerPartnerId: 'sparkle-soda' },
        contextFor('BRAND'),
      ).effect,
    ).toBe('deny');
  });

  it('refuses a bidding block in a restaurant chain’s contract', () => {
    expect(() =>
      parseContract({
        partnerId: 'burger-bids',
        kind: 'QSR',
        purposes: ['trigger'],
        visibility: { bidding: { actions: ['campaign.bids.subscribe'] } },
      }),
    ).toThrow(/bid multipliers are for BRAND partners/);
  });
});

describe('decide: foot-traffic triggers (visibility.footTraffic)', () => {
  const qsr: Principal = { id: 'burger-barn', role: 'QSR' };
  const base = contractOf('burger-barn').contract;
  const withBlock = parseContract({
    ...base,
    visibility: {
      ...base.visibility,
      triggers: { categories: ['burgers'], regions: ['west'] },
      footTraffic: { regions: ['east'], minLift: 1.8 },
    },
  });
  const context = (contract: VersionedContract) => contextFor('QSR', { contract });
  const read = (resource: Omit<Resource, 'kind'>, contract: VersionedContract) =>
    decide(qsr, 'triggers.read', { kind: 'trigger', ...resource }, context(contract));

  it('allows foot traffic in the block’s regions, with the block in the scope', () => {
    const decision = read({ categories: ['foot_traffic'], regions: ['east'] }, withBlock);
    expect(decision.effect).toBe('allow');
    expect(decision.obligations.scope?.footTraffic).toEqual({ regions: ['east'], minLift: 1.8 });
    expect(decision.obligations.thresholdK).toBe(50);
    // Everything the contract allows: either list's regions.
    expect(read({ regions: ['west', 'east'] }, withBlock).effect).toBe('allow');
    expect(read({ categories: ['burgers', 'foot_traffic'], regions: ['east'] }, withBlock).effect).toBe(
      'allow',
    );
  });

  it('refuses foot traffic without the block, outside its regions, and product triggers outside theirs', () => {
    const sample = contractOf('burger-barn');
    expect(sample.contract.visibility.footTraffic).toBeUndefined();
    const refused = read({ categories: ['foot_traffic'] }, sample);
    expect(refused.effect).toBe('deny');
    expect(refused.reasons.join(' ')).toMatch(/foot-traffic triggers not shared/);
    const elsewhere = read({ categories: ['foot_traffic'], regions: ['west'] }, withBlock);
    expect(elsewhere.effect).toBe('deny');
    expect(elsewhere.reasons.join(' ')).toMatch(/regions not shared: west/);
    // The block's regions do not widen the product categories' regions.
    expect(read({ categories: ['burgers'], regions: ['east'] }, withBlock).effect).toBe('deny');
  });
});
