import { describe, expect, it } from 'vitest';
import {
  ContractValidationError,
  DEFAULT_HOST_CONFIG,
  hostConfigSchema,
  parseContract,
  safeParseContract,
  safeParseHostConfig,
} from '../../../policies/contracts/index.ts';

const BRAND = {
  partnerId: 'fresh-oats',
  kind: 'BRAND',
  purposes: ['measurement', 'activation'],
  visibility: { segments: ['plant-based-buyers'], campaigns: 'own' },
  kThreshold: 60,
  dp: { epsilonPerQuery: 0.5, budget: { epsilon: 10, window: 'day' } },
  pseudonymousSignals: true,
  geoGranularity: 'region',
  rateLimit: { requestsPerMinute: 600, maxSubscriptions: 20 },
};

const problemsOf = (input: unknown) => {
  const result = safeParseContract(input, { file: 'x.yaml' });
  return result.ok ? [] : result.problems;
};

describe('partner contract validation', () => {
  it('accepts a full contract and fills in defaults', () => {
    const { contract, version } = parseContract(BRAND);
    expect(version).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(contract.visibility).toEqual({
      segments: ['plant-based-buyers'],
      campaigns: { own: true, ids: [] },
      triggers: { categories: [], regions: [] },
      inventory: { actions: [], substitution: false },
      offers: { actions: [] },
    });
    expect(contract.dropFields).toEqual([]);
    expect(contract.offers).toEqual([]);
  });

  it('accepts in-store offers with defaults, and refuses a duplicate id, a segment it does not share, a QSR', () => {
    const offer = {
      offerId: 'oat-milk-20',
      sku: 'oat-milk-1',
      discountPercent: 20,
      segments: ['plant-based-buyers'],
    };
    const { contract } = parseContract({
      ...BRAND,
      offers: [offer],
      visibility: { ...BRAND.visibility, offers: { actions: ['offers.report'] } },
    });
    expect(contract.offers).toEqual([
      { ...offer, zones: [], validHours: 24, caps: { perShopperPerDay: 1, perDay: 1_000 } },
    ]);
    expect(contract.visibility.offers).toEqual({ actions: ['offers.report'] });
    expect(problemsOf({ ...BRAND, offers: [offer, offer] })).toContainEqual(
      expect.objectContaining({ field: 'offers.1.offerId', reason: 'duplicate offerId' }),
    );
    expect(problemsOf({ ...BRAND, offers: [{ ...offer, segments: ['someone-elses'] }] })).toContainEqual(
      expect.objectContaining({ field: 'offers.0.segments.0' }),
    );
    expect(problemsOf({ ...BRAND, offers: [{ ...offer, discountPercent: 95 }] })).toContainEqual(
      expect.objectContaining({ field: 'offers.0.discountPercent' }),
    );
  });

  it('accepts own campaigns plus explicit ids', () => {
    const { contract } = parseContract({
      ...BRAND,
      visibility: { campaigns: { own: true, ids: ['joint-promo'] } },
    });
    expect(contract.visibility.campaigns).toEqual({ own: true, ids: ['joint-promo'] });
  });

  it.each([
    ['kind', { ...BRAND, kind: 'BANK' }],
    ['purposes', { ...BRAND, purposes: [] }],
    ['purposes.1', { ...BRAND, purposes: ['measurement', 'resale'] }],
    ['dp.epsilonPerQuery', { ...BRAND, dp: { epsilonPerQuery: -1 } }],
    ['dp.epsilonPerQuery', { ...BRAND, dp: { epsilonPerQuery: 0.1234567 } }],
    ['dp.budget.window', { ...BRAND, dp: { budget: { epsilon: 10, window: 'fortnight' } } }],
    ['dp.budget.epsilon', { ...BRAND, dp: { epsilonPerQuery: 2, budget: { epsilon: 1, window: 'day' } } }],
    ['geoGranularity', { ...BRAND, geoGranularity: 'street' }],
    ['rateLimit.requestsPerMinute', { ...BRAND, rateLimit: { requestsPerMinute: 0, maxSubscriptions: 1 } }],
    ['pseudonymousSignals', { ...BRAND, purposes: ['measurement'] }],
    ['purposes', { ...BRAND, purposes: ['measurement', 'trigger'], pseudonymousSignals: false }],
    ['(root)', { ...BRAND, kThresold: 80 }],
    ['partnerId', { ...BRAND, partnerId: 'Fresh Oats!' }],
    ['validUntil', { ...BRAND, validFrom: '2026-02-01T00:00:00Z', validUntil: '2026-01-01T00:00:00Z' }],
    ['(root)', 'just a string'],
    [
      'visibility.inventory.actions.0',
      { ...BRAND, visibility: { inventory: { actions: ['stock.levels'] } } },
    ],
    [
      'visibility.inventory.substitution',
      { ...BRAND, visibility: { inventory: { actions: ['stock.status'], substitution: true } } },
    ],
    [
      'visibility.inventory.actions',
      { ...BRAND, visibility: { inventory: { actions: ['stock.status', 'stock.status'] } } },
    ],
  ])('refuses a bad contract, naming the field %s (case %#)', (field, input) => {
    const problems = problemsOf(input);
    expect(problems.map((problem) => problem.field)).toContain(field);
    expect(problems.every((problem) => problem.file === 'x.yaml' && problem.reason.length > 0)).toBe(true);
  });

  it('refuses a threshold below the host floor, and a partner id that is a host principal', () => {
    const host = hostConfigSchema.parse({
      kind: 'HOST',
      thresholdFloor: 80,
      principals: [{ id: 'dpo', role: 'PRIVACY_OFFICER' }],
    });
    const low = safeParseContract({ ...BRAND, kThreshold: 60 }, { host });
    expect(low.ok ? [] : low.problems).toEqual([
      {
        file: '(api)',
        field: 'kThreshold',
        reason: 'may only raise the host threshold floor of 80, not lower it to 60',
      },
    ]);
    const clash = safeParseContract({ ...BRAND, partnerId: 'dpo', kThreshold: 90 }, { host });
    expect(clash.ok ? [] : clash.problems.map((problem) => problem.field)).toEqual(['partnerId']);
  });

  it('throws ContractValidationError carrying every problem', () => {
    expect(() => parseContract({ ...BRAND, kind: 'BANK', geoGranularity: 'street' })).toThrow(
      ContractValidationError,
    );
    try {
      parseContract({ ...BRAND, kind: 'BANK', geoGranularity: 'street' });
    } catch (error: unknown) {
      expect((error as ContractValidationError).code).toBe('CONTRACT_INVALID');
      expect((error as ContractValidationError).problems).toHaveLength(2);
    }
  });

  it('names a version by content: key order and formatting do not matter, content does', () => {
    const reordered = Object.fromEntries(Object.entries(BRAND).reverse());
    expect(parseContract(reordered).version).toBe(parseContract(BRAND).version);
    expect(parseContract({ ...BRAND, kThreshold: 61 }).version).not.toBe(parseContract(BRAND).version);
  });
});

describe('host configuration validation', () => {
  it('defaults to a floor of 50 and no host principals', () => {
    expect(DEFAULT_HOST_CONFIG.thresholdFloor).toBe(50);
    expect(DEFAULT_HOST_CONFIG.principals).toEqual([]);
  });

  it('refuses duplicate principals and a default epsilon above the maximum', () => {
    const result = safeParseHostConfig({
      kind: 'HOST',
      dp: { maxEpsilonPerQuery: 0.5, defaultEpsilonPerQuery: 1 },
      principals: [
        { id: 'dpo', role: 'PRIVACY_OFFICER' },
        { id: 'dpo', role: 'HOST_ADMIN' },
      ],
    });
    expect(result.ok ? [] : result.problems.map((problem) => problem.field).sort()).toEqual([
      'dp.defaultEpsilonPerQuery',
      'principals.1.id',
    ]);
  });
});
