/**
 * The gateway's release state on SQLite (better-sqlite3 through drizzle-orm): uploads and their digests,
 * continual-release streams and activation decisions. One file per gateway data directory, mode 0600.
 */
import { randomBytes } from 'node:crypto';
import { and, asc, count, desc, eq, isNotNull, lt, ne, sql } from 'drizzle-orm';
import { openDatabase } from '../../schema/db/index.ts';
import type { ContinualCounterState } from '../../policies/index.ts';
import {
  activationDecisions,
  shownSubjects,
  liveStreams,
  releaseMeta,
  uploadDigests,
  uploadSubjects,
  uploads,
} from '../../schema/db/index.ts';

/** A stored upload. */
export type StoredUpload = typeof uploads.$inferSelect;

/** One activation decision. */
export type ActivationDecision = typeof activationDecisions.$inferSelect;

/** What a live stream keeps. */
export interface StoredLiveStream {
  counters: Record<string, ContinualCounterState>;
  chargedAt: string;
  /** The answer of the latest tick released (given again within that tick). */
  frozen?: { tick: number; values: Record<string, number> };
}

/** The release state. */
export interface ReleaseStore {
  /** The key that digests submitted hashes (generated once, kept in the file). */
  digestKey(): Uint8Array;
  addUpload(
    upload: Omit<StoredUpload, 'queriedAt' | 'queriedWindow'>,
    digests: readonly string[],
    subjectIds: Iterable<string>,
  ): void;
  upload(uploadId: string): StoredUpload | undefined;
  uploadSubjects(uploadId: string): string[];
  /** Uploads a partner made in a budget window. */
  uploadCount(partnerId: string, windowStart: string): number;
  /** The partner's other uploads whose overlap was asked for in the budget window starting at `windowStart`. */
  queriedUploads(partnerId: string, windowStart: string, exceptUploadId: string): StoredUpload[];
  /** Record that an upload's overlap was asked for at `at`, in the budget window starting at `windowStart`. */
  markQueried(uploadId: string, at: string, windowStart: string): void;
  /** Forget a subject in every upload (erasure). */
  forgetSubject(subjectId: string): void;
  /** |A Δ B| over the submitted digests of two uploads. */
  symmetricDifference(uploadA: string, uploadB: string): number;
  liveStream(streamKey: string): StoredLiveStream | undefined;
  saveLiveStream(streamKey: string, partnerId: string, windowStart: string, stream: StoredLiveStream): void;
  /** Decisions of one gate, oldest first. */
  activationHistory(partnerId: string, segmentId: string): ActivationDecision[];
  recordActivation(decision: ActivationDecision): void;
  /** Every (partner, segment, subject) a partner holds a pseudonym of (see `release_shown_subjects`). */
  shownSubjects(): Array<{ partnerId: string; segmentId: string; subjectId: string }>;
  /** Record that the partner now holds (`held`) or no longer holds a shopper's pseudonym in a segment. */
  setShown(partnerId: string, segmentId: string, subjectId: string, held: boolean): void;
  /** Forget uploads and streams of windows that started before `windowStart`. */
  pruneBefore(windowStart: string): void;
  close(): void;
}

/**
 * Open (or create) the release state at `file`.
 *
 * @example
 * const store = openReleaseStore(path.join(dataDir, 'release.sqlite'));
 */
export function openReleaseStore(file: string): ReleaseStore {
  // Created or upgraded by the release migrations (schema/db/migrations/release).
  const { db, sqlite } = openDatabase(file, 'release', { private: true });

  let key: Uint8Array | undefined;
  const digestKey = (): Uint8Array => {
    if (key !== undefined) return key;
    const stored = db.select().from(releaseMeta).where(eq(releaseMeta.key, 'digest-key')).get();
    if (stored !== undefined) {
      key = Buffer.from(stored.value, 'base64');
      return key;
    }
    const fresh = randomBytes(32);
    db.insert(releaseMeta)
      .values({ key: 'digest-key', value: fresh.toString('base64') })
      .onConflictDoNothing()
      .run();
    // Another process may have won the race: read back what is stored.
    key = Buffer.from(
      db.select().from(releaseMeta).where(eq(releaseMeta.key, 'digest-key')).get()?.value ??
        fresh.toString('base64'),
      'base64',
    );
    return key;
  };

  const addUpload = sqlite.transaction(
    (
      upload: Omit<StoredUpload, 'queriedAt' | 'queriedWindow'>,
      digests: readonly string[],
      subjectIds: Iterable<string>,
    ) => {
      db.insert(uploads).values(upload).run();
      // Chunked multi-row inserts: one statement per 400 rows keeps a 100,000-hash upload quick.
      const digestRows = [...new Set(digests)].map((digest) => ({ uploadId: upload.uploadId, digest }));
      for (let start = 0; start < digestRows.length; start += 400) {
        db.insert(uploadDigests)
          .values(digestRows.slice(start, start + 400))
          .onConflictDoNothing()
          .run();
      }
      const subjectRows = [...new Set(subjectIds)].map((subjectId) => ({
        uploadId: upload.uploadId,
        subjectId,
      }));
      for (let start = 0; start < subjectRows.length; start += 400) {
        db.insert(uploadSubjects)
          .values(subjectRows.slice(start, start + 400))
          .onConflictDoNothing()
          .run();
      }
    },
  );

  const digestCount = (uploadId: string): number =>
    db.select({ n: count() }).from(uploadDigests).where(eq(uploadDigests.uploadId, uploadId)).get()?.n ?? 0;

  return {
    digestKey,
    addUpload: (upload, digests, subjectIds) => addUpload(upload, digests, subjectIds),
    upload: (uploadId) => db.select().from(uploads).where(eq(uploads.uploadId, uploadId)).get(),
    uploadSubjects: (uploadId) =>
      db
        .select({ subjectId: uploadSubjects.subjectId })
        .from(uploadSubjects)
        .where(eq(uploadSubjects.uploadId, uploadId))
        .all()
        .map((row) => row.subjectId),
    uploadCount: (partnerId, windowStart) =>
      db
        .select({ n: count() })
        .from(uploads)
        .where(and(eq(uploads.partnerId, partnerId), eq(uploads.windowStart, windowStart)))
        .get()?.n ?? 0,
    queriedUploads: (partnerId, windowStart, exceptUploadId) =>
      db
        .select()
        .from(uploads)
        .where(
          and(
            eq(uploads.partnerId, partnerId),
            eq(uploads.queriedWindow, windowStart),
            isNotNull(uploads.queriedAt),
            ne(uploads.uploadId, exceptUploadId),
          ),
        )
        .orderBy(asc(uploads.queriedAt))
        .all(),
    markQueried(uploadId, at, windowStart) {
      db.update(uploads)
        .set({ queriedAt: sql`coalesce(${uploads.queriedAt}, ${at})`, queriedWindow: windowStart })
        .where(eq(uploads.uploadId, uploadId))
        .run();
    },
    forgetSubject(subjectId) {
      db.delete(uploadSubjects).where(eq(uploadSubjects.subjectId, subjectId)).run();
    },
    symmetricDifference(uploadA, uploadB) {
      const shared =
        sqlite
          .prepare<[string, string], { n: number }>(
            `SELECT COUNT(*) AS n FROM release_upload_digests a
             JOIN release_upload_digests b ON b.upload_id = ? AND b.digest = a.digest
             WHERE a.upload_id = ?`,
          )
          .get(uploadB, uploadA)?.n ?? 0;
      return digestCount(uploadA) + digestCount(uploadB) - 2 * shared;
    },
    liveStream(streamKey) {
      const row = db.select().from(liveStreams).where(eq(liveStreams.streamKey, streamKey)).get();
      if (row === undefined) return undefined;
      const stored = JSON.parse(row.counters) as {
        counters?: Record<string, ContinualCounterState>;
        frozen?: StoredLiveStream['frozen'];
      };
      return {
        counters: stored.counters ?? {},
        chargedAt: row.chargedAt,
        ...(stored.frozen !== undefined ? { frozen: stored.frozen } : {}),
      };
    },
    saveLiveStream(streamKey, partnerId, windowStart, stream) {
      const counters = JSON.stringify({ counters: stream.counters, frozen: stream.frozen });
      db.insert(liveStreams)
        .values({ streamKey, partnerId, windowStart, counters, chargedAt: stream.chargedAt })
        .onConflictDoUpdate({ target: liveStreams.streamKey, set: { counters } })
        .run();
    },
    activationHistory: (partnerId, segmentId) =>
      db
        .select()
        .from(activationDecisions)
        .where(
          and(eq(activationDecisions.partnerId, partnerId), eq(activationDecisions.segmentId, segmentId)),
        )
        .orderBy(asc(activationDecisions.decidedAt))
        .all(),
    recordActivation(decision) {
      db.insert(activationDecisions).values(decision).onConflictDoNothing().run();
    },
    shownSubjects: () => db.select().from(shownSubjects).all(),
    setShown(partnerId, segmentId, subjectId, held) {
      if (held)
        db.insert(shownSubjects).values({ partnerId, segmentId, subjectId }).onConflictDoNothing().run();
      else
        db.delete(shownSubjects)
          .where(
            and(
              eq(shownSubjects.partnerId, partnerId),
              eq(shownSubjects.segmentId, segmentId),
              eq(shownSubjects.subjectId, subjectId),
            ),
          )
          .run();
    },
    pruneBefore(windowStart) {
      sqlite.transaction(() => {
        const old = db
          .select({ uploadId: uploads.uploadId })
          .from(uploads)
          .where(lt(uploads.windowStart, windowStart))
          .orderBy(desc(uploads.windowStart))
          .all();
        for (const { uploadId } of old) {
          db.delete(uploadDigests).where(eq(uploadDigests.uploadId, uploadId)).run();
          db.delete(uploadSubjects).where(eq(uploadSubjects.uploadId, uploadId)).run();
          db.delete(uploads).where(eq(uploads.uploadId, uploadId)).run();
        }
        db.delete(liveStreams).where(lt(liveStreams.windowStart, windowStart)).run();
      })();
    },
    close: () => sqlite.close(),
  };
}
