import { describe, expect, it } from 'vitest';
import { canonicalJson, contentHash, shortVersion } from '../../../policies/contracts/index.ts';

describe('canonicalJson', () => {
  it('sorts keys at every depth, drops undefined members and has no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: undefined } })).toBe(
      '{"a":{"d":[3,{"y":2,"z":1}]},"b":1}',
    );
  });

  it('hashes to a known sha256 (of the UTF-8 canonical text)', () => {
    // sha256('{"a":1}') computed independently (`printf '{"a":1}' | sha256sum`).
    expect(contentHash({ a: 1 })).toBe(
      'sha256:015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862',
    );
    expect(shortVersion(contentHash({ a: 1 }))).toBe('sha256:015abd7f5cc5');
  });
});
