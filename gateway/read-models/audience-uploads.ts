/**
 * Audience lists uploaded by brands: UID2-style hashes resolved to subject ids through the identity port at
 * upload time. Only the subject ids are kept (in memory, per upload); the hashes are dropped.
 */
import { randomUUID } from 'node:crypto';
import type { IdentityPort } from '../ports.ts';

/** A stored upload. */
export interface AudienceUpload {
  id: string;
  partnerId: string;
  name: string;
  submitted: number;
  createdAt: string;
  subjectIds: ReadonlySet<string>;
}

/** The upload store. */
export interface AudienceUploads {
  add(partnerId: string, name: string, hashes: string[], createdAt: string): AudienceUpload;
  get(uploadId: string): AudienceUpload | undefined;
}

/** A UID2-style hash: Base64 of 32 raw bytes. */
export function isIdentifierHash(value: string): boolean {
  return /^[A-Za-z0-9+/]{43}=$/.test(value);
}

/** Create the store; `maxUploads` bounds memory (oldest uploads are forgotten first). */
export function createAudienceUploads(identity: IdentityPort, maxUploads = 1_000): AudienceUploads {
  const uploads = new Map<string, AudienceUpload>();
  return {
    add(partnerId, name, hashes, createdAt) {
      const subjectIds = new Set<string>();
      for (const hash of hashes) {
        const subjectId = identity.subjectForHash(hash);
        if (subjectId !== undefined) subjectIds.add(subjectId);
      }
      const upload = { id: randomUUID(), partnerId, name, submitted: hashes.length, createdAt, subjectIds };
      uploads.set(upload.id, upload);
      if (uploads.size > maxUploads) {
        const oldest = uploads.keys().next().value;
        if (oldest !== undefined) uploads.delete(oldest);
      }
      return upload;
    },
    get: (uploadId) => uploads.get(uploadId),
  };
}
