import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openPostgres } from '../../../schema/db/index.ts';
import type { OpenedPostgres } from '../../../schema/db/index.ts';
import { createSharedPartnerKeyStore } from '../../../policies/identity/index.ts';
import type { SharedPartnerKeyStore } from '../../../policies/identity/index.ts';
import { createTestDatabase, postgresSkipReason } from '../../helpers/postgres.ts';
import type { TestDatabase } from '../../helpers/postgres.ts';
import { waitFor } from '../../helpers/wait-for.ts';

const SUBJECT = 'c3ViamVjdC1vbmU';

describe.skipIf(postgresSkipReason() !== undefined)('createSharedPartnerKeyStore (PostgreSQL)', () => {
  const hostSecret = randomBytes(32);
  let database: TestDatabase;
  const pools: OpenedPostgres[] = [];
  const stores: SharedPartnerKeyStore[] = [];
  let clock = Date.parse('2026-03-10T12:00:00Z');
  const replica = async (secret: Uint8Array = hostSecret): Promise<SharedPartnerKeyStore> => {
    const pool = await openPostgres(database.url, 'control-plane');
    pools.push(pool);
    const store = await createSharedPartnerKeyStore(pool, { hostSecret: secret, now: () => clock });
    stores.push(store);
    return store;
  };

  beforeEach(async () => {
    database = await createTestDatabase('keys');
  });
  afterEach(async () => {
    for (const store of stores.splice(0)) store.close();
    await Promise.all(pools.splice(0).map((pool) => pool.close()));
    await database.drop();
  });

  it('gives one shopper the same pseudonym for a partner on every replica, and unlinkable ones across partners', async () => {
    const [a, b] = await Promise.all([replica(), replica()]);
    expect(a.pseudonymFor('fresh-oats', SUBJECT)).toBe(b.pseudonymFor('fresh-oats', SUBJECT));
    expect(a.pseudonymFor('fresh-oats', SUBJECT)).not.toBe(a.pseudonymFor('burger-barn', SUBJECT));
    expect(a.currentEpoch('fresh-oats')).toBe(1);
    // Epoch 1 needs no row, and depends on the host secret.
    expect((await pools[0]!.pool.query('SELECT 1 FROM partner_key_epochs')).rowCount).toBe(0);
    const other = await replica(randomBytes(32));
    expect(other.pseudonymFor('fresh-oats', SUBJECT)).not.toBe(a.pseudonymFor('fresh-oats', SUBJECT));
  });

  it('a rotation on one replica reaches the others within a second, with the old epoch valid for the overlap', async () => {
    const [a, b] = await Promise.all([replica(), replica()]);
    const before = b.pseudonymFor('fresh-oats', SUBJECT);
    clock += 1_000;
    const rotation = await a.rotatePartnerKey('fresh-oats');
    expect(rotation).toEqual({
      partnerId: 'fresh-oats',
      epoch: 2,
      previousEpochValidUntil: new Date(clock + 90 * 86_400_000).toISOString(),
    });
    const after = a.pseudonymFor('fresh-oats', SUBJECT);
    expect(after).not.toBe(before);
    await waitFor(() => b.currentEpoch('fresh-oats') === 2, { timeout: 5_000 });
    expect(b.pseudonymFor('fresh-oats', SUBJECT)).toBe(after);
    expect(b.pseudonymsFor('fresh-oats', SUBJECT).map(({ epoch, pseudonym }) => [epoch, pseudonym])).toEqual([
      [2, after],
      [1, before],
    ]);
    // Events from before the rotation keep their epoch-1 pseudonym.
    expect(b.pseudonymFor('fresh-oats', SUBJECT, new Date(clock - 500))).toBe(before);
  });

  it('concurrent rotations on three replicas give three consecutive epochs', async () => {
    const replicas = await Promise.all([replica(), replica(), replica()]);
    const rotations = await Promise.all(replicas.map((store) => store.rotatePartnerKey('fresh-oats')));
    expect(rotations.map((rotation) => rotation.epoch).sort()).toEqual([2, 3, 4]);
    await Promise.all(replicas.map((store) => store.refresh()));
    // Rotations within one millisecond start one millisecond apart.
    clock += 10;
    const pseudonyms = new Set(replicas.map((store) => store.pseudonymFor('fresh-oats', SUBJECT)));
    expect(pseudonyms.size).toBe(1);
    expect(replicas[0]!.currentEpoch('fresh-oats')).toBe(4);
  });
});
