/**
 * Partner pseudonyms with key epochs.
 *
 * A partner's key of an epoch is derived, never stored: HKDF-SHA256(host secret, salt of the epoch,
 * `partner-pseudonym|<partnerId>|<epoch>`). The SQLite file holds only epochs and their random salts, so a copy
 * of it reveals no key without the host secret (and the file is owner-only besides).
 *
 * `rotatePartnerKey` starts a new epoch; the previous epoch's key stays valid for the overlap (default 90 days)
 * so a partner can re-map its pseudonyms. Two partners get unlinkable pseudonyms for one shopper; one partner
 * gets the same pseudonym within an epoch.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { hmacBase64url } from './hash.ts';
import { and, desc, eq, sql } from 'drizzle-orm';
import { openDatabase, partnerKeyEpochs } from '../../schema/db/index.ts';

const DAY_MS = 86_400_000;

/** Options of {@link createPartnerKeyStore}. */
export interface PartnerKeyStoreOptions {
  /** The host secret partner keys are derived from. */
  hostSecret: Uint8Array;
  /** How long the previous epoch's key stays valid after a rotation (default 90). */
  overlapDays?: number;
  /** Clock (default `Date.now`). */
  now?: () => number;
}

/** The result of a rotation. */
export interface KeyRotation {
  partnerId: string;
  /** The new current epoch. */
  epoch: number;
  /** Until when pseudonyms of the previous epoch stay valid (ISO-8601). */
  previousEpochValidUntil: string;
}

/** A pseudonym and the epoch it belongs to. */
export interface EpochPseudonym {
  epoch: number;
  pseudonym: string;
  /** Until when this pseudonym is valid (ISO-8601), or null for the current epoch. */
  validUntil: string | null;
}

/** Pseudonyms of partners by key epoch (what every partner key store answers, synchronously). */
export interface Pseudonymizer {
  /** HMAC-SHA256(partner key of the epoch current at `at`, subjectId), base64url. */
  pseudonymFor(partnerId: string, subjectId: string, at?: Date): string;
  /** The current pseudonym and those of previous epochs still valid at `at`, newest first. */
  pseudonymsFor(partnerId: string, subjectId: string, at?: Date): EpochPseudonym[];
  /** The epoch current at `at` (starting epoch 1 on first use). */
  currentEpoch(partnerId: string, at?: Date): number;
}

/** Per-partner pseudonym keys by epoch, in a SQLite file. */
export interface PartnerKeyStore extends Pseudonymizer {
  /** Start a new epoch now. */
  rotatePartnerKey(partnerId: string): KeyRotation;
  close(): void;
}

/** One key epoch of a partner: its salt, start and (once rotated) the end of its overlap, in ms. */
export type EpochRow = Omit<typeof partnerKeyEpochs.$inferSelect, 'partnerId'>;

/**
 * Create the partner key store on a SQLite file, or `<dir>/partner-keys.sqlite` when given a directory.
 *
 * @example
 * const keys = createPartnerKeyStore(dataDir, { hostSecret: secrets.hostSecret });
 * keys.pseudonymFor('brand-acme', subjectId);
 */
export function createPartnerKeyStore(dbPathOrDir: string, options: PartnerKeyStoreOptions): PartnerKeyStore {
  const overlapMs = overlapMsOf(options);
  const now = options.now ?? Date.now;
  const isDir = fs.existsSync(dbPathOrDir) && fs.statSync(dbPathOrDir).isDirectory();
  const { db, sqlite } = openDatabase(
    isDir ? path.join(dbPathOrDir, 'partner-keys.sqlite') : dbPathOrDir,
    'partner-keys',
    { private: true },
  );
  const epochsOf = db
    .select({
      epoch: partnerKeyEpochs.epoch,
      salt: partnerKeyEpochs.salt,
      startedAt: partnerKeyEpochs.startedAt,
      validUntil: partnerKeyEpochs.validUntil,
    })
    .from(partnerKeyEpochs)
    .where(eq(partnerKeyEpochs.partnerId, sql.placeholder('partnerId')))
    .orderBy(desc(partnerKeyEpochs.epoch))
    .prepare();
  const insert = (partnerId: string, epoch: number, salt: Buffer, startedAt: number): void =>
    void db
      .insert(partnerKeyEpochs)
      .values({ partnerId, epoch, salt, startedAt })
      .onConflictDoNothing()
      .run();
  const expire = (validUntil: number, partnerId: string, epoch: number): void =>
    void db
      .update(partnerKeyEpochs)
      .set({ validUntil })
      .where(and(eq(partnerKeyEpochs.partnerId, partnerId), eq(partnerKeyEpochs.epoch, epoch)))
      .run();
  // A partner's epochs are read for every pseudonym (a signal fanned out to a thousand subscribers asks a thousand
  // times): they are kept for a second, so a rotation made by another process on the file shows within a second.
  // A rotation made here clears them at once.
  const epochCache = new Map<string, { rows: EpochRow[]; readAt: number }>();
  const epochs = (partnerId: string): EpochRow[] => {
    const cached = epochCache.get(partnerId);
    const readAt = Date.now();
    if (cached !== undefined && readAt - cached.readAt < EPOCH_CACHE_MS) return cached.rows;
    let rows = epochsOf.all({ partnerId });
    if (rows.length === 0) {
      // Epoch 1 starts at the epoch of time, so pseudonyms of old events are stable too.
      insert(partnerId, 1, randomBytes(32), 0);
      rows = epochsOf.all({ partnerId });
    }
    epochCache.set(partnerId, { rows, readAt });
    return rows;
  };
  const pseudonymizer = createPseudonymizer(options.hostSecret, epochs, now);

  return {
    ...pseudonymizer,
    rotatePartnerKey(partnerId) {
      epochCache.delete(partnerId);
      return sqlite.transaction((): KeyRotation => {
        const rotation = plannedRotation(partnerId, epochs(partnerId)[0]!, now(), overlapMs);
        expire(rotation.validUntil, partnerId, rotation.previousEpoch);
        insert(partnerId, rotation.result.epoch, randomBytes(32), rotation.startedAt);
        epochCache.delete(partnerId);
        return rotation.result;
      })();
    },
    close: () => sqlite.close(),
  };
}

/**
 * Pseudonyms over a source of a partner's epochs (newest first, never empty): keys derived and cached per partner
 * and epoch, the latest pseudonyms cached, so a signal fanned out to many subscribers costs one HMAC per partner.
 */
export function createPseudonymizer(
  hostSecret: Uint8Array,
  epochs: (partnerId: string) => EpochRow[],
  now: () => number,
): Pseudonymizer {
  const keyCache = new Map<string, Uint8Array>();
  // The latest pseudonyms, by partner, epoch and subject: one HMAC per signal and partner, not per subscriber.
  const pseudonymCache = new Map<string, string>();

  const pseudonymOf = (partnerId: string, row: EpochRow, subjectId: string): string => {
    const cacheKey = `${partnerId}\u0000${row.epoch}\u0000${subjectId}`;
    let pseudonym = pseudonymCache.get(cacheKey);
    if (pseudonym === undefined) {
      pseudonym = hmacBase64url(keyOf(partnerId, row), subjectId);
      if (pseudonymCache.size >= PSEUDONYM_CACHE_ENTRIES) {
        // Oldest first (a Map keeps insertion order).
        pseudonymCache.delete(pseudonymCache.keys().next().value as string);
      }
      pseudonymCache.set(cacheKey, pseudonym);
    }
    return pseudonym;
  };
  const keyOf = (partnerId: string, row: EpochRow): Uint8Array => {
    const cacheKey = `${partnerId}\u0000${row.epoch}`;
    let key = keyCache.get(cacheKey);
    if (key === undefined) {
      const info = utf8ToBytes(`partner-pseudonym|${partnerId}|${row.epoch}`);
      key = hkdf(sha256, hostSecret, new Uint8Array(row.salt), info, 32);
      keyCache.set(cacheKey, key);
    }
    return key;
  };
  const currentRow = (partnerId: string, atMs: number): EpochRow => {
    const rows = epochs(partnerId);
    return rows.find((row) => row.startedAt <= atMs) ?? rows[rows.length - 1]!;
  };

  return {
    pseudonymFor(partnerId, subjectId, at) {
      return pseudonymOf(partnerId, currentRow(partnerId, at?.getTime() ?? now()), subjectId);
    },
    pseudonymsFor(partnerId, subjectId, at) {
      const atMs = at?.getTime() ?? now();
      const current = currentRow(partnerId, atMs);
      return epochs(partnerId)
        .filter(
          (row) =>
            row.epoch === current.epoch ||
            (row.epoch < current.epoch && row.validUntil !== null && row.validUntil > atMs),
        )
        .map((row) => ({
          epoch: row.epoch,
          pseudonym: pseudonymOf(partnerId, row, subjectId),
          validUntil: row.epoch === current.epoch || row.validUntil === null ? null : iso(row.validUntil),
        }));
    },
    currentEpoch: (partnerId, at) => currentRow(partnerId, at?.getTime() ?? now()).epoch,
  };
}

/** The overlap after a rotation (ms), from the store's options. */
export function overlapMsOf(options: PartnerKeyStoreOptions): number {
  return (options.overlapDays ?? 90) * DAY_MS;
}

/** A rotation after `previous` at `nowMs`: the new epoch's start, and until when `previous` stays valid. */
export function plannedRotation(partnerId: string, previous: EpochRow, nowMs: number, overlapMs: number) {
  const startedAt = Math.max(nowMs, previous.startedAt + 1);
  const validUntil = startedAt + overlapMs;
  const result: KeyRotation = {
    partnerId,
    epoch: previous.epoch + 1,
    previousEpochValidUntil: iso(validUntil),
  };
  return { previousEpoch: previous.epoch, startedAt, validUntil, result };
}

/** How long a partner's epochs are kept in memory (ms). */
const EPOCH_CACHE_MS = 1_000;
/** How many pseudonyms are kept in memory. */
const PSEUDONYM_CACHE_ENTRIES = 20_000;

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
