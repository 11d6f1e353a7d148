/** Deterministic holdout assignment: the same subject and campaign always land in the same group. */
import { createHash } from 'node:crypto';

/**
 * Whether a subject is held out of a campaign: SHA-256 of `subjectId|campaignId`, its first 32 bits as a
 * fraction of 2^32, below `holdoutPercent / 100`. Independent across campaigns, stable across restarts.
 */
export function isHeldOut(subjectId: string, campaignId: string, holdoutPercent: number): boolean {
  if (holdoutPercent <= 0) return false;
  const digest = createHash('sha256').update(`${subjectId}|${campaignId}`).digest();
  return digest.readUInt32BE(0) / 2 ** 32 < holdoutPercent / 100;
}
