import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hostConfigSchema, parseContract } from '../../policies/contracts/index.ts';
import type { GeoGranularity } from '../../policies/contracts/index.ts';
import { decide } from '../../policies/engine.ts';

/** Epsilons with at most six decimal places, as contracts require: whole millionths, divided once. */
const epsilonBetween = (minMicro: number, maxMicro: number) =>
  fc.integer({ min: minMicro, max: maxMicro }).map((micro) => micro / 1_000_000);
const epsilonArbitrary = epsilonBetween(1, 5_000_000);
const windowArbitrary = fc.constantFrom('day' as const, 'week' as const, 'month' as const);
const geoArbitrary = fc.constantFrom<GeoGranularity>('region', 'country');
const fieldsArbitrary = fc.uniqueArray(fc.constantFrom('revenue', 'spend', 'roas', 'region', 'channel'), {
  maxLength: 3,
});

const hostArbitrary = fc
  .record({
    thresholdFloor: fc.integer({ min: 1, max: 500 }),
    maxEpsilonPerQuery: epsilonArbitrary,
    defaultEpsilonPerQuery: epsilonArbitrary,
    budgetEpsilon: epsilonBetween(4, 20_000_000),
    budgetWindow: windowArbitrary,
    geoGranularity: geoArbitrary,
    dropFields: fieldsArbitrary,
  })
  .map((host) =>
    hostConfigSchema.parse({
      kind: 'HOST',
      thresholdFloor: host.thresholdFloor,
      dp: {
        maxEpsilonPerQuery: Math.max(host.maxEpsilonPerQuery, host.defaultEpsilonPerQuery),
        defaultEpsilonPerQuery: host.defaultEpsilonPerQuery,
        defaultBudget: { epsilon: host.budgetEpsilon, window: host.budgetWindow },
      },
      geoGranularity: host.geoGranularity,
      dropFields: host.dropFields,
      principals: [],
    }),
  );

const contractParts = fc.record({
  kRaise: fc.option(fc.integer({ min: 0, max: 300 }), { nil: undefined }),
  epsilonPerQuery: fc.option(epsilonArbitrary, { nil: undefined }),
  budget: fc.option(fc.record({ epsilon: epsilonBetween(5_000_000, 50_000_000), window: windowArbitrary }), {
    nil: undefined,
  }),
  geoGranularity: geoArbitrary,
  dropFields: fieldsArbitrary,
});

describe('decide: the strictest rule always wins (property)', () => {
  it('obligations are max k, min epsilon, the smaller same-window budget, the coarser geo, the union of dropped fields', () => {
    fc.assert(
      fc.property(hostArbitrary, contractParts, (host, parts) => {
        const versioned = parseContract(
          {
            partnerId: 'fresh-oats',
            kind: 'BRAND',
            purposes: ['measurement'],
            visibility: { segments: ['plant-based-buyers'] },
            kThreshold: parts.kRaise === undefined ? undefined : host.thresholdFloor + parts.kRaise,
            dp: { epsilonPerQuery: parts.epsilonPerQuery, budget: parts.budget },
            geoGranularity: parts.geoGranularity,
            dropFields: parts.dropFields,
          },
          { host },
        );
        const { contract } = versioned;
        const decision = decide(
          { id: 'fresh-oats', role: 'BRAND' },
          'segment.size',
          { kind: 'segment', id: 'plant-based-buyers' },
          { contract: versioned, host, now: new Date('2026-03-10T00:00:00Z') },
        );
        expect(decision.effect).toBe('allow');
        const { thresholdK, noiseEpsilon, budget, coarsenGeo, dropFields } = decision.obligations;

        expect(thresholdK).toBe(Math.max(host.thresholdFloor, contract.kThreshold ?? 0));
        expect(thresholdK).toBeGreaterThanOrEqual(host.thresholdFloor);

        const contractBudget = contract.dp.budget ?? host.dp.defaultBudget;
        const sameWindow = contractBudget.window === host.dp.defaultBudget.window;
        expect(budget?.window).toBe(contractBudget.window);
        expect(budget?.epsilonLimit).toBe(
          sameWindow
            ? Math.min(contractBudget.epsilon, host.dp.defaultBudget.epsilon)
            : contractBudget.epsilon,
        );

        expect(noiseEpsilon).toBeLessThanOrEqual(host.dp.maxEpsilonPerQuery);
        expect(noiseEpsilon).toBeLessThanOrEqual(
          contract.dp.epsilonPerQuery ?? host.dp.defaultEpsilonPerQuery,
        );
        expect(noiseEpsilon).toBeLessThanOrEqual(budget?.epsilonLimit ?? 0);
        expect(noiseEpsilon).toBe(
          Math.min(
            contract.dp.epsilonPerQuery ?? host.dp.defaultEpsilonPerQuery,
            host.dp.maxEpsilonPerQuery,
            budget?.epsilonLimit ?? 0,
          ),
        );

        const eitherCountry = host.geoGranularity === 'country' || contract.geoGranularity === 'country';
        expect(coarsenGeo).toBe(eitherCountry ? 'country' : 'region');

        expect(new Set(dropFields)).toEqual(new Set([...host.dropFields, ...contract.dropFields]));
      }),
      { numRuns: 500 },
    );
  });
});
