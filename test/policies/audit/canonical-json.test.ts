import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AuditError, canonicalJson, digestRequest } from '../../../policies/audit/index.ts';

describe('canonicalJson', () => {
  it('sorts keys at every depth and writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [true, null, 'x'], c: -2.5 } })).toBe(
      '{"a":{"c":-2.5,"d":[true,null,"x"]},"b":1}',
    );
  });

  it('leaves out undefined properties and writes -0 as 0', () => {
    expect(canonicalJson({ a: undefined, b: -0 })).toBe('{"b":0}');
  });

  it('refuses values JSON cannot hold exactly, naming the field', () => {
    expect(() => canonicalJson({ a: [1, Number.POSITIVE_INFINITY] })).toThrow(
      /\$\.a\[1\] is not a finite number/,
    );
    expect(() => canonicalJson({ big: 1n })).toThrow(AuditError);
    expect(() => canonicalJson([undefined])).toThrow(AuditError);
  });

  it('gives the same bytes for the same value whatever the key order, and round-trips through JSON.parse', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = canonicalJson(value);
        expect(canonicalJson(JSON.parse(text))).toBe(text);
        const reversed = JSON.parse(text, (_key, item: unknown) =>
          item !== null && typeof item === 'object' && !Array.isArray(item)
            ? Object.fromEntries(Object.entries(item).reverse())
            : item,
        ) as unknown;
        expect(canonicalJson(reversed)).toBe(text);
      }),
      { numRuns: 200 },
    );
  });

  it('digests a request independently of key order', () => {
    expect(digestRequest({ a: 1, b: 2 })).toBe(digestRequest({ b: 2, a: 1 }));
    expect(digestRequest({ a: 1 })).toMatch(/^[0-9a-f]{64}$/);
  });
});
