/** Forgets a subject's exposures, purchases and verdicts older than their retention. */
import { compactLedgers } from './bounded.ts';
import type { AttributionConfig } from './config.ts';
import type { SubjectState } from './state.ts';

/**
 * Prunes in place against the watermark; returns true when nothing is left of the subject. Published credits
 * of a forgotten purchase stay published: they are final once no late event can change them. The bounded-sum
 * ledger is not rebuilt from what remains: it keeps its kept cells and forgets only cells that can never be kept
 * again, so pruning changes no published bounded sum either.
 */
export function pruneSubject(subject: SubjectState, watermark: number, config: AttributionConfig): boolean {
  const exposureHorizon = watermark - config.exposureRetentionMs;
  const conversionHorizon = watermark - config.conversionRetentionMs;
  subject.exposures = subject.exposures.filter((exposure) => exposure.at >= exposureHorizon);
  const dropped = subject.conversions.filter((conversion) => conversion.at < conversionHorizon);
  subject.conversions = subject.conversions.filter((conversion) => conversion.at >= conversionHorizon);
  for (const conversion of dropped) {
    for (const pairKey of Object.keys(subject.credits)) {
      if (pairKey.startsWith(`${conversion.eventId}|`)) delete subject.credits[pairKey];
    }
    for (const pairKey of Object.keys(subject.ghostConversions)) {
      if (pairKey.startsWith(`${conversion.eventId}|`)) delete subject.ghostConversions[pairKey];
    }
  }
  for (const [eventId, verdict] of Object.entries(subject.verdicts)) {
    if (verdict.at < exposureHorizon) delete subject.verdicts[eventId];
  }
  if (subject.ledger !== undefined)
    compactLedgers(subject.ledger, Math.min(exposureHorizon, conversionHorizon));
  return isEmptySubject(subject);
}

/**
 * Whether nothing is left of a subject. A ledger with published contributions keeps it: forgetting them would
 * let a withdrawal miss rows, and a returning subject gain cells beyond the bound.
 */
export function isEmptySubject(subject: SubjectState): boolean {
  return (
    subject.exposures.length === 0 &&
    subject.conversions.length === 0 &&
    Object.keys(subject.verdicts).length === 0 &&
    Object.keys(subject.ledger ?? {}).length === 0
  );
}
