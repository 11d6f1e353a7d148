import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createConsentLedger, DEFAULT_CONSENT, NO_CONSENT } from '../../../policies/consent/index.ts';
import type { ConsentLedger } from '../../../policies/consent/index.ts';
import { createTempDir, removeTempDir } from '../../helpers/temp-dir.ts';

const all = { measurement: true, personalization: true, partnerSharing: true };
const measurementOnly = { measurement: true, personalization: false, partnerSharing: false };

describe('consent ledger', () => {
  let dir: string;
  let ledger: ConsentLedger;
  beforeEach(() => {
    dir = createTempDir('consent');
    ledger = createConsentLedger(path.join(dir, 'consent.sqlite'));
  });
  afterEach(() => {
    ledger.close();
    removeTempDir(dir);
  });

  it('gives unknown subjects the default (measurement only)', () => {
    expect(DEFAULT_CONSENT).toEqual(measurementOnly);
    expect(ledger.get('s1')).toEqual({
      consent: measurementOnly,
      erased: false,
      known: false,
      updatedAt: null,
    });
  });

  it('honours a configured default', () => {
    const strict = createConsentLedger(path.join(dir, 'strict.sqlite'), { default: NO_CONSENT });
    expect(strict.get('s1').consent).toEqual(NO_CONSENT);
    strict.close();
  });

  it('reports a change when a subject is first described (even as the default) or its consent changes', () => {
    // The first record is a change even when it equals the default: readers of cleanroom.consent must learn
    // of the subject, or they fall back on a default of their own (the overlap leak of issue 16).
    expect(ledger.apply('s1', measurementOnly, false, '2026-01-01T00:00:00Z').changed).toBe(true);
    expect(ledger.apply('s1', measurementOnly, false, '2026-01-01T12:00:00Z').changed).toBe(false);
    expect(ledger.apply('s1', all, false, '2026-01-02T00:00:00Z').changed).toBe(true);
    expect(ledger.apply('s1', all, false, '2026-01-03T00:00:00Z').changed).toBe(false);
    const optOut = ledger.apply('s1', measurementOnly, false, '2026-01-04T00:00:00Z');
    expect(optOut).toEqual({
      changed: true,
      state: { consent: measurementOnly, erased: false, known: true, updatedAt: '2026-01-04T00:00:00.000Z' },
    });
  });

  it('ignores a record older than the one it holds', () => {
    ledger.apply('s1', all, false, '2026-01-05T00:00:00Z');
    expect(ledger.apply('s1', NO_CONSENT, false, '2026-01-01T00:00:00Z').changed).toBe(false);
    expect(ledger.get('s1').consent).toEqual(all);
  });

  it('makes erasure permanent: no consent for anything, whatever comes later', () => {
    ledger.apply('s1', all, false, '2026-01-05T00:00:00Z');
    expect(ledger.apply('s1', all, true, '2026-01-01T00:00:00Z').changed).toBe(true);
    expect(ledger.get('s1')).toMatchObject({ consent: NO_CONSENT, erased: true });
    expect(ledger.apply('s1', all, false, '2027-01-01T00:00:00Z').changed).toBe(false);
    expect(ledger.isErased('s1')).toBe(true);
    expect(ledger.get('s1').consent).toEqual(NO_CONSENT);
  });

  it('counts opted-out and erased subjects for the privacy officer', () => {
    ledger.apply('s1', all, false, '2026-01-01T00:00:00Z');
    ledger.apply('s2', measurementOnly, false, '2026-01-01T00:00:00Z');
    ledger.apply('s3', NO_CONSENT, false, '2026-01-01T00:00:00Z');
    ledger.apply('s4', all, true, '2026-01-01T00:00:00Z');
    expect(ledger.counts()).toEqual({
      subjects: 4,
      optedOut: 2,
      measurementWithdrawn: 1,
      personalizationWithdrawn: 2,
      erased: 1,
    });
  });

  it('refuses a time that is not a date', () => {
    expect(() => ledger.apply('s1', all, false, 'yesterday')).toThrowError(
      expect.objectContaining({ code: 'INVALID_TIME' }),
    );
  });
});
