/** Forgets a subject's exposures, purchases and verdicts older than their retention. */
import type { AttributionConfig } from './config.ts';
import type { SubjectState } from './state.ts';

/**
 * Prunes in place against the watermark; returns true when nothing is left of the subject. Published credits
 * of a forgotten purchase stay published: they are final once no late event can change them.
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
  return (
    subject.exposures.length === 0 &&
    subject.conversions.length === 0 &&
    Object.keys(subject.verdicts).length === 0
  );
}
