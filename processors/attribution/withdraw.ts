/** Takes a subject out of everything it contributed to (consent withdrawn from measurement, or erasure). */
import type { AttributionCredit } from '../../schema/index.ts';
import { countCredit, countSubject } from './aggregates.ts';
import type { AggregateStore } from './aggregates.ts';
import { withdrawBounded } from './bounded.ts';
import type { SubjectState } from './state.ts';

type Counter = Parameters<typeof countSubject>[3];

/**
 * Retracts the subject's credits and removes it from every distinct count and its spend, and from every bounded
 * sum (all of them, pruned days included: the ledger keeps what was published); returns the retractions.
 */
export function withdrawSubject(aggregates: AggregateStore, subject: SubjectState): AttributionCredit[] {
  const retractions: AttributionCredit[] = [];
  for (const published of Object.values(subject.credits)) {
    for (const credit of Object.values(published.byId)) {
      countCredit(aggregates, credit, published.directShare, -1);
      retractions.push({ ...credit, retracted: true });
    }
  }
  for (const refKey of Object.keys(subject.rowRefs)) {
    const [campaignId, day, channel, counter] = refKey.split(':') as [
      string,
      string,
      'online' | 'store',
      Counter,
    ];
    const spend = subject.exposures
      .filter(
        (e) =>
          counter === 'exposedSubjects' &&
          e.counted &&
          !e.countedAsGhost &&
          e.campaignId === campaignId &&
          e.day === day &&
          e.channel === channel,
      )
      .reduce((sum, e) => sum + e.cost, 0);
    // One decrement from a count of one: the subject leaves the distinct count whatever it held.
    subject.rowRefs[refKey] = 1;
    countSubject(aggregates, subject.rowRefs, { campaignId, day, channel }, counter, -1, -spend);
  }
  subject.credits = {};
  withdrawBounded(aggregates, subject.ledger ?? {}, aggregates.bounds);
  return retractions;
}
