import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createIdentityStore,
  hashDeviceId,
  hashEmail,
  hashLoyaltyId,
  hashPhone,
  subjectIdFor,
} from '../../../policies/identity/index.ts';
import type { IdentityStore } from '../../../policies/identity/index.ts';
import { createTempDir, removeTempDir } from '../../helpers/temp-dir.ts';
import { statSync } from 'node:fs';
import path from 'node:path';

const hostSecret = new Uint8Array(32).fill(42);
const subjectOf = (identifierHash: string): string => subjectIdFor(hostSecret, identifierHash);
const loyalty = hashLoyaltyId('L-100');
const email = hashEmail('shopper@example.com');
const phone = hashPhone('+447700900123');
const device = hashDeviceId('device-1');

describe('identity store', () => {
  let dir: string;
  let store: IdentityStore;
  beforeEach(() => {
    dir = createTempDir('identity');
    store = createIdentityStore(path.join(dir, 'identity.sqlite'), { hostSecret });
  });
  afterEach(() => {
    store.close();
    removeTempDir(dir);
  });

  it('keeps its file owner-only', () => {
    expect(statSync(path.join(dir, 'identity.sqlite')).mode & 0o777).toBe(0o600);
  });

  it('resolves an event without identifiers to no subject', () => {
    expect(store.resolve({})).toEqual({ subjectId: null, erased: false });
  });

  it('links a loyalty profile’s email and phone to the loyalty subject', () => {
    expect(store.resolve({ loyalty, email, phone }).subjectId).toBe(subjectOf(loyalty));
    expect(store.resolve({ email }).subjectId).toBe(subjectOf(loyalty));
    expect(store.resolve({ phone }).subjectId).toBe(subjectOf(loyalty));
  });

  it('resolves a lone identifier to its own subject, then merges it into the loyalty subject when linked', () => {
    expect(store.resolve({ email }).subjectId).toBe(subjectOf(email));
    expect(store.resolve({ email, device }).subjectId).toBe(subjectOf(email));
    expect(store.resolve({ device }).subjectId).toBe(subjectOf(email));
    store.resolve({ loyalty, email });
    expect(store.resolve({ email }).subjectId).toBe(subjectOf(loyalty));
    expect(store.resolve({ device }).subjectId).toBe(subjectOf(loyalty));
  });

  it('links a device seen beside a known identifier', () => {
    store.resolve({ loyalty, email });
    expect(store.resolve({ email, device }).subjectId).toBe(subjectOf(loyalty));
    expect(store.resolve({ device }).subjectId).toBe(subjectOf(loyalty));
  });

  it('keeps the first loyalty link of an identifier (no probabilistic re-linking)', () => {
    const other = hashLoyaltyId('L-200');
    store.resolve({ loyalty, email });
    expect(store.resolve({ loyalty: other, email }).subjectId).toBe(subjectOf(other));
    expect(store.resolve({ email }).subjectId).toBe(subjectOf(loyalty));
  });

  it('lookup never links', () => {
    expect(store.lookup({ email, phone }).subjectId).toBe(subjectOf(email));
    expect(store.linkCount()).toBe(0);
  });

  it('resolves an uploaded UID2 email hash to its subject, and unknown hashes to null', () => {
    store.resolve({ loyalty, email });
    expect(store.resolveUploadedEmailHash(email)).toBe(subjectOf(loyalty));
    expect(store.resolveUploadedEmailHash(hashEmail('stranger@example.com'))).toBeNull();
  });

  it('erases a subject: links dropped, identifiers never resolve to a live subject again', () => {
    store.resolve({ loyalty, email, phone });
    expect(store.erase(subjectOf(loyalty))).toBe(3);
    expect(store.isErased(subjectOf(loyalty))).toBe(true);
    expect(store.resolveUploadedEmailHash(email)).toBeNull();
    expect(store.resolve({ email, device })).toEqual({ subjectId: subjectOf(loyalty), erased: true });
    expect(store.linkCount()).toBe(0);
  });

  it('survives a reopen', () => {
    store.resolve({ loyalty, email });
    store.close();
    store = createIdentityStore(path.join(dir, 'identity.sqlite'), { hostSecret });
    expect(store.resolve({ email }).subjectId).toBe(subjectOf(loyalty));
  });
});
