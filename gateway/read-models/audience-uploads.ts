/**
 * Audience lists uploaded by brands. UID2-style hashes are resolved to subject ids through the identity port at
 * upload time and then dropped; what is kept (in the release store, so it outlives a restart) is the upload, the
 * subject ids it resolved to, and a keyed digest of every hash SUBMITTED — resolved or not — for difference
 * checks.
 *
 * Why the difference check compares what was submitted and not the subjects that contribute: a refusal that
 * depends on which hashes resolved to measurable shoppers would itself answer "is this hash a shopper?" — the
 * very oracle the check is meant to stop. Compared on submitted lists, the check depends on the partner's own
 * input only; the noised, charged overlap is what protects each shopper.
 */
import { createHmac, randomUUID } from 'node:crypto';
import type { IdentityPort } from '../ports.ts';
import type { ReleaseStore, StoredUpload } from '../release/release-store.ts';

/** A stored upload. */
export interface AudienceUpload {
  id: string;
  partnerId: string;
  name: string;
  submitted: number;
  createdAt: string;
  /** The budget window it counts against (ISO start). */
  windowStart: string;
  queriedAt: string | null;
}

/** An earlier upload that a new one differs from by fewer than k submitted hashes. */
export interface DifferencingMatch {
  uploadId: string;
  difference: number;
}

/** The upload store. */
export interface AudienceUploads {
  add(
    partnerId: string,
    name: string,
    hashes: readonly string[],
    createdAt: string,
    windowStart: string,
  ): AudienceUpload;
  get(uploadId: string): AudienceUpload | undefined;
  /** Subject ids the upload resolved to. */
  subjectsOf(uploadId: string): string[];
  /** Uploads the partner made in the window. */
  countInWindow(partnerId: string, windowStart: string): number;
  /**
   * The first other upload of the same partner queried in the current budget window (`windowStart`) whose
   * submitted list differs from this one's by more than 0 and fewer than `k` hashes; null when there is none.
   */
  differencing(upload: AudienceUpload, k: number, windowStart: string): DifferencingMatch | null;
  /** Record that the upload's overlap was asked for (it takes part in later checks of the window). */
  markQueried(uploadId: string, at: string, windowStart: string): void;
  /** Forget an erased subject in every upload. */
  forgetSubject(subjectId: string): void;
}

/** A UID2-style hash: Base64 of 32 raw bytes. */
export function isIdentifierHash(value: string): boolean {
  return /^[A-Za-z0-9+/]{43}=$/.test(value);
}

function toUpload(row: StoredUpload): AudienceUpload {
  return {
    id: row.uploadId,
    partnerId: row.partnerId,
    name: row.name,
    submitted: row.submitted,
    createdAt: row.createdAt,
    windowStart: row.windowStart,
    queriedAt: row.queriedAt,
  };
}

/** Create the store over the release store. */
export function createAudienceUploads(identity: IdentityPort, store: ReleaseStore): AudienceUploads {
  const digestOf = (hash: string): string =>
    createHmac('sha256', store.digestKey()).update(hash).digest('base64url');
  return {
    add(partnerId, name, hashes, createdAt, windowStart) {
      const subjectIds = new Set<string>();
      for (const hash of hashes) {
        const subjectId = identity.subjectForHash(hash);
        if (subjectId !== undefined) subjectIds.add(subjectId);
      }
      const row = {
        uploadId: randomUUID(),
        partnerId,
        name,
        submitted: hashes.length,
        createdAt,
        windowStart,
      };
      store.addUpload(row, hashes.map(digestOf), subjectIds);
      return toUpload({ ...row, queriedAt: null, queriedWindow: null });
    },
    get(uploadId) {
      const row = store.upload(uploadId);
      return row === undefined ? undefined : toUpload(row);
    },
    subjectsOf: (uploadId) => store.uploadSubjects(uploadId),
    countInWindow: (partnerId, windowStart) => store.uploadCount(partnerId, windowStart),
    differencing(upload, k, windowStart) {
      for (const earlier of store.queriedUploads(upload.partnerId, windowStart, upload.id)) {
        const difference = store.symmetricDifference(earlier.uploadId, upload.id);
        if (difference > 0 && difference < k) return { uploadId: earlier.uploadId, difference };
      }
      return null;
    },
    markQueried: (uploadId, at, windowStart) => store.markQueried(uploadId, at, windowStart),
    forgetSubject: (subjectId) => store.forgetSubject(subjectId),
  };
}
