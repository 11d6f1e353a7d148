/**
 * Partner key epochs in the cluster's PostgreSQL control plane, so every gateway replica gives a shopper the same
 * pseudonym for one partner. Pseudonyms are computed synchronously (a signal fans out to many sockets), so the
 * replica keeps every partner's epochs in memory and re-reads them each second: a rotation made on another
 * replica shows within a second, as it does between processes on one SQLite file.
 *
 * Epoch 1 needs no write: its salt is derived from the host secret and the partner id, so a replica that meets a
 * partner first gives the same pseudonyms as every other. Rows exist once a partner's key has been rotated.
 */
import { randomBytes } from 'node:crypto';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { and, desc, eq, sql } from 'drizzle-orm';
import { pgPartnerKeyEpochs } from '../../schema/db/index.ts';
import type { OpenedPostgres } from '../../schema/db/index.ts';
import { createPseudonymizer, overlapMsOf, plannedRotation } from './partner-keys.ts';
import type { EpochRow, KeyRotation, PartnerKeyStoreOptions, Pseudonymizer } from './partner-keys.ts';

/** Partner keys shared by gateway replicas. */
export interface SharedPartnerKeyStore extends Pseudonymizer {
  /** Start a new epoch now, for every replica (others see it within a second). */
  rotatePartnerKey(partnerId: string): Promise<KeyRotation>;
  /** Re-read every partner's epochs now. */
  refresh(): Promise<void>;
  /** Stop re-reading (the caller closes the pool). */
  close(): void;
}

/** How often the epochs are re-read (ms). */
const REFRESH_MS = 1_000;

/**
 * Open the shared partner key store on an open control plane, with every partner's epochs read.
 *
 * @example
 * const keys = await createSharedPartnerKeyStore(controlPlane, { hostSecret: secrets.hostSecret });
 * keys.pseudonymFor('brand-acme', subjectId);
 */
export async function createSharedPartnerKeyStore(
  database: OpenedPostgres,
  options: PartnerKeyStoreOptions & { onError?: (error: unknown) => void },
): Promise<SharedPartnerKeyStore> {
  const { db } = database;
  const t = pgPartnerKeyEpochs;
  const now = options.now ?? Date.now;
  const overlapMs = overlapMsOf(options);
  let byPartner = new Map<string, EpochRow[]>();
  const firstEpochs = new Map<string, EpochRow[]>();

  /** Epoch 1 of a partner whose key was never rotated: a salt every replica derives alike. */
  const firstEpoch = (partnerId: string): EpochRow[] => {
    let rows = firstEpochs.get(partnerId);
    if (rows === undefined) {
      const salt = hkdf(
        sha256,
        options.hostSecret,
        undefined,
        utf8ToBytes(`partner-epoch-1|${partnerId}`),
        32,
      );
      rows = [{ epoch: 1, salt: Buffer.from(salt), startedAt: 0, validUntil: null }];
      firstEpochs.set(partnerId, rows);
    }
    return rows;
  };
  const epochs = (partnerId: string): EpochRow[] => byPartner.get(partnerId) ?? firstEpoch(partnerId);

  const refresh = async (): Promise<void> => {
    const rows = await db
      .select({
        partnerId: t.partnerId,
        epoch: t.epoch,
        salt: t.salt,
        startedAt: t.startedAt,
        validUntil: t.validUntil,
      })
      .from(t)
      .orderBy(t.partnerId, desc(t.epoch));
    const next = new Map<string, EpochRow[]>();
    for (const { partnerId, ...row } of rows) {
      const list = next.get(partnerId) ?? [];
      list.push(row);
      next.set(partnerId, list);
    }
    byPartner = next;
  };
  await refresh();
  let refreshing = false;
  const timer = setInterval(() => {
    if (refreshing) return;
    refreshing = true;
    refresh()
      .catch((error: unknown) => options.onError?.(error))
      .finally(() => {
        refreshing = false;
      });
  }, REFRESH_MS);
  timer.unref();

  return {
    ...createPseudonymizer(options.hostSecret, epochs, now),
    async rotatePartnerKey(partnerId) {
      const rotation = await db.transaction(async (tx) => {
        // One rotation of a partner at a time, on any replica.
        await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext(${`partner-key|${partnerId}`}))`);
        const stored = await tx
          .select({ epoch: t.epoch, salt: t.salt, startedAt: t.startedAt, validUntil: t.validUntil })
          .from(t)
          .where(eq(t.partnerId, partnerId))
          .orderBy(desc(t.epoch))
          .limit(1);
        const previous = stored[0] ?? firstEpoch(partnerId)[0]!;
        if (stored.length === 0) await tx.insert(t).values({ partnerId, ...previous });
        const planned = plannedRotation(partnerId, previous, now(), overlapMs);
        await tx
          .update(t)
          .set({ validUntil: planned.validUntil })
          .where(and(eq(t.partnerId, partnerId), eq(t.epoch, planned.previousEpoch)));
        await tx.insert(t).values({
          partnerId,
          epoch: planned.result.epoch,
          salt: randomBytes(32),
          startedAt: planned.startedAt,
        });
        return planned.result;
      });
      await refresh();
      return rotation;
    },
    refresh,
    close: () => clearInterval(timer),
  };
}
