/**
 * The optional `visibility.footTraffic` block of a restaurant chain's contract: accepted with its default lift,
 * refused with file, field and reason when wrong, and absent from contracts that do not declare it, which keep the
 * content hash they had before the block existed.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  loadContracts,
  parseContract,
  safeParseContract,
  safeParseContractText,
} from '../../../policies/contracts/index.ts';

const EXAMPLES = fileURLToPath(new URL('../../../examples/contracts/', import.meta.url));

const QSR = {
  partnerId: 'burger-barn',
  kind: 'QSR',
  purposes: ['trigger'],
  visibility: { triggers: { categories: ['burgers'], regions: 'all' } },
  kThreshold: 50,
};

const problemsOf = (input: unknown) => {
  const result = safeParseContract(input, { file: 'burger-barn.yaml' });
  return result.ok ? [] : result.problems;
};

describe('contract: foot-traffic triggers (visibility.footTraffic)', () => {
  it('accepts a region list or all, with minLift defaulting to 2', () => {
    const listed = parseContract({
      ...QSR,
      visibility: { ...QSR.visibility, footTraffic: { regions: ['west', 'east'], minLift: 1.8 } },
    });
    expect(listed.contract.visibility.footTraffic).toEqual({ regions: ['west', 'east'], minLift: 1.8 });
    const all = parseContract({ ...QSR, visibility: { ...QSR.visibility, footTraffic: { regions: 'all' } } });
    expect(all.contract.visibility.footTraffic).toEqual({ regions: 'all', minLift: 2 });
    // Declaring the block is a change of content: a new version.
    expect(all.version).not.toBe(parseContract(QSR).version);
  });

  it('leaves contracts without the block as they were: no field, and the sample contracts keep their hashes', () => {
    expect(parseContract(QSR).contract.visibility.footTraffic).toBeUndefined();
    // The versions of the sample contracts before the block existed.
    const loaded = loadContracts(EXAMPLES);
    const versions = Object.fromEntries(
      loaded.contracts.map((entry) => [entry.contract.partnerId, entry.version]),
    );
    expect(versions).toEqual({
      'burger-barn': 'sha256:d8e0d920e1f0d29cfd05f7eb85d29b0eb0d5c628a0351d8503e41badaa580c70',
      'fresh-oats': 'sha256:237f07e5024f47c8aebe9b9f0fc0d31fb30fc83c34aaa57350d93f4d48388831',
      'sparkle-soda': 'sha256:6c0b718c6d5c9621bb196326efcb50f4f0f132c63fe0389c615510b8144ba662',
    });
  });

  it.each([
    ['visibility.footTraffic.minLift', { regions: 'all', minLift: 0.5 }, QSR, /at least 1/],
    ['visibility.footTraffic.minLift', { regions: 'all', minLift: 'high' }, QSR, /number/i],
    ['visibility.footTraffic.regions', { minLift: 2 }, QSR, /./],
    ['visibility.footTraffic.regions.0', { regions: ['West Coast'] }, QSR, /lower-case/],
    ['visibility.footTraffic', { regions: 'all', radiusKm: 3 }, QSR, /radiusKm/],
    [
      'visibility.footTraffic',
      { regions: 'all' },
      { ...QSR, kind: 'BRAND', purposes: ['measurement'], visibility: {} },
      /for QSR partners/,
    ],
    [
      'visibility.footTraffic',
      { regions: 'all' },
      { ...QSR, purposes: ['measurement'] },
      /need the trigger purpose/,
    ],
  ])('refuses a bad block, naming the field %s (case %#)', (field, footTraffic, base, reason) => {
    const problems = problemsOf({ ...base, visibility: { ...base.visibility, footTraffic } });
    const named = problems.filter((problem) => problem.field === field);
    expect(named.length).toBeGreaterThan(0);
    expect(named.some((problem) => reason.test(problem.reason))).toBe(true);
    expect(problems.every((problem) => problem.file === 'burger-barn.yaml')).toBe(true);
  });

  it('refuses foot_traffic as a product category, pointing at the block', () => {
    const problems = problemsOf({
      ...QSR,
      visibility: { triggers: { categories: ['burgers', 'foot_traffic'], regions: 'all' } },
    });
    expect(problems).toContainEqual(
      expect.objectContaining({
        file: 'burger-barn.yaml',
        field: 'visibility.triggers.categories',
        reason: expect.stringContaining('visibility.footTraffic'),
      }),
    );
  });

  it('reads the block from a YAML file and names the file in a refusal', () => {
    const yaml = (minLift: string) =>
      [
        'partnerId: burger-barn',
        'kind: QSR',
        'purposes: [trigger]',
        'visibility:',
        '  footTraffic:',
        '    regions: [west]',
        `    minLift: ${minLift}`,
      ].join('\n');
    const good = safeParseContractText(yaml('2.5'), { file: 'burger-barn.yaml' });
    expect(good.ok && good.value.contract.visibility.footTraffic).toEqual({
      regions: ['west'],
      minLift: 2.5,
    });
    const bad = safeParseContractText(yaml('0'), { file: 'burger-barn.yaml' });
    expect(bad.ok).toBe(false);
    expect(bad.ok ? [] : bad.problems).toContainEqual(
      expect.objectContaining({ file: 'burger-barn.yaml', field: 'visibility.footTraffic.minLift' }),
    );
  });
});
