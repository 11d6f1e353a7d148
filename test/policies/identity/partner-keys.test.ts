import { statSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPartnerKeyStore } from '../../../policies/identity/index.ts';
import type { PartnerKeyStore } from '../../../policies/identity/index.ts';
import { createTempDir, removeTempDir } from '../../helpers/temp-dir.ts';

const DAY = 86_400_000;
const hostSecret = new Uint8Array(32).fill(9);

describe('partner key store', () => {
  let dir: string;
  let clock: number;
  let keys: PartnerKeyStore;
  beforeEach(() => {
    dir = createTempDir('partner-keys');
    clock = Date.parse('2026-01-01T00:00:00Z');
    keys = createPartnerKeyStore(dir, { hostSecret, now: () => clock });
  });
  afterEach(() => {
    keys.close();
    removeTempDir(dir);
  });

  it('gives two partners different pseudonyms and one partner a stable one', () => {
    const a = keys.pseudonymFor('brand-a', 'subject-1');
    expect(keys.pseudonymFor('brand-a', 'subject-1')).toBe(a);
    expect(keys.pseudonymFor('brand-b', 'subject-1')).not.toBe(a);
    expect(keys.pseudonymFor('brand-a', 'subject-2')).not.toBe(a);
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(statSync(path.join(dir, 'partner-keys.sqlite')).mode & 0o777).toBe(0o600);
  });

  it('rotates to a new epoch and keeps the previous key valid for the overlap', () => {
    const before = keys.pseudonymFor('brand-a', 'subject-1');
    const rotation = keys.rotatePartnerKey('brand-a');
    expect(rotation).toEqual({
      partnerId: 'brand-a',
      epoch: 2,
      previousEpochValidUntil: new Date(clock + 90 * DAY).toISOString(),
    });
    const after = keys.pseudonymFor('brand-a', 'subject-1');
    expect(after).not.toBe(before);
    expect(keys.pseudonymsFor('brand-a', 'subject-1')).toEqual([
      { epoch: 2, pseudonym: after, validUntil: null },
      { epoch: 1, pseudonym: before, validUntil: rotation.previousEpochValidUntil },
    ]);
    clock += 91 * DAY;
    expect(keys.pseudonymsFor('brand-a', 'subject-1')).toEqual([
      { epoch: 2, pseudonym: after, validUntil: null },
    ]);
    expect(keys.pseudonymFor('brand-a', 'subject-1', new Date(clock - 92 * DAY))).toBe(before);
    expect(keys.pseudonymFor('brand-b', 'subject-1')).not.toBe(after);
  });

  it('keeps keys across a reopen and differs under another host secret', () => {
    const a = keys.pseudonymFor('brand-a', 'subject-1');
    keys.close();
    keys = createPartnerKeyStore(dir, { hostSecret, now: () => clock });
    expect(keys.pseudonymFor('brand-a', 'subject-1')).toBe(a);
    const other = createPartnerKeyStore(dir, { hostSecret: new Uint8Array(32).fill(1), now: () => clock });
    expect(other.pseudonymFor('brand-a', 'subject-1')).not.toBe(a);
    other.close();
  });

  it('answers from memory what a fresh store computes, past the cache size too', () => {
    const subjects = Array.from({ length: 25_000 }, (_, index) => `subject-${index}`);
    const first = subjects.map((subject) => keys.pseudonymFor('brand-a', subject));
    const fresh = createPartnerKeyStore(dir, { hostSecret, now: () => clock });
    try {
      // Read again after 25,000 (the oldest left the cache): the same values as a store that never cached them.
      expect(subjects.map((subject) => keys.pseudonymFor('brand-a', subject))).toEqual(first);
      expect([0, 9_999, 24_999].map((index) => fresh.pseudonymFor('brand-a', subjects[index]!))).toEqual([
        first[0],
        first[9_999],
        first[24_999],
      ]);
    } finally {
      fresh.close();
    }
  });

  it('sees a rotation made by another process on the file within a second', async () => {
    const before = keys.pseudonymFor('brand-a', 'subject-1');
    const other = createPartnerKeyStore(dir, { hostSecret, now: () => clock });
    try {
      clock += DAY;
      other.rotatePartnerKey('brand-a');
      const rotated = other.pseudonymFor('brand-a', 'subject-1');
      expect(rotated).not.toBe(before);
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      expect(keys.pseudonymFor('brand-a', 'subject-1')).toBe(rotated);
      expect(keys.currentEpoch('brand-a')).toBe(2);
    } finally {
      other.close();
    }
  });
});
