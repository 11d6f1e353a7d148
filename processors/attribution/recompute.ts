/**
 * Recomputes the credits of one conversion for one campaign from what is known now, publishes the
 * difference (new and changed credits, retractions of vanished ones) and moves the aggregates by it.
 * Every change — a late exposure, a late verdict, a return — goes through here, so incremental results
 * equal a recomputation over all events.
 */
import type { AttributionCredit, AttributionModel } from '../../schema/index.ts';
import { countCredit, countSubject } from './aggregates.ts';
import type { AggregateStore } from './aggregates.ts';
import { ledgerConverting, ledgerCredit } from './bounded.ts';
import type { CampaignDirectory } from './campaign-directory.ts';
import { MS_PER_DAY } from './config.ts';
import { isHeldOut } from './holdout.ts';
import { matchCampaign } from './matching.ts';
import { ATTRIBUTION_MODELS, creditWeights } from './models.ts';
import type { Touch } from './models.ts';
import type { ConversionRecord, SubjectState } from './state.ts';

/** What a recomputation needs besides the subject. */
export interface RecomputeContext {
  campaigns: CampaignDirectory;
  aggregates: AggregateStore;
  halfLifeMs: number;
  out: AttributionCredit[];
  /** Campaigns whose bounded contributions of the subject at hand may have changed. */
  touched: Set<string>;
}

/** The touches of a campaign that may earn credit for a conversion at `conversionAt`. */
export function eligibleTouches(
  subject: SubjectState,
  campaignId: string,
  conversionAt: number,
  lookbackDays: { click: number; view: number },
): Touch[] {
  const touches: Touch[] = [];
  for (const exposure of subject.exposures) {
    if (exposure.campaignId !== campaignId || exposure.at > conversionAt) continue;
    if (subject.verdicts[exposure.eventId]?.valid === false) continue;
    const lookbackMs = (exposure.type === 'click' ? lookbackDays.click : lookbackDays.view) * MS_PER_DAY;
    if (conversionAt - exposure.at > lookbackMs) continue;
    touches.push({ eventId: exposure.eventId, type: exposure.type, at: exposure.at });
  }
  return touches;
}

function sameCredit(a: AttributionCredit, b: AttributionCredit): boolean {
  return (
    a.weight === b.weight && a.revenue === b.revenue && a.match === b.match && a.retracted === b.retracted
  );
}

/** Recomputes one (conversion, campaign) pair of a subject. */
export function recomputeConversion(
  ctx: RecomputeContext,
  subjectId: string,
  subject: SubjectState,
  conversion: ConversionRecord,
  campaignId: string,
): void {
  const pairKey = `${conversion.eventId}|${campaignId}`;
  const where = { campaignId, day: conversion.day, channel: conversion.channel };
  const campaign = ctx.campaigns.get(campaignId);
  const match = campaign === undefined ? undefined : matchCampaign(campaign, conversion.lines);
  const touches =
    campaign === undefined || match?.matched !== true
      ? []
      : eligibleTouches(subject, campaignId, conversion.at, {
          click: campaign.clickLookbackDays,
          view: campaign.viewLookbackDays,
        });
  const ghost = campaign !== undefined && isHeldOut(subjectId, campaignId, campaign.holdoutPercent);

  // Held-out subjects: their exposures are ghosts, counted for the control group's conversion rate only.
  const ghostConverted = ghost && touches.length > 0;
  if (ghostConverted !== (subject.ghostConversions[pairKey] === true)) {
    countSubject(ctx.aggregates, subject.rowRefs, where, 'ghostConverters', ghostConverted ? 1 : -1);
    if (ghostConverted) subject.ghostConversions[pairKey] = true;
    else delete subject.ghostConversions[pairKey];
  }

  const next: Record<string, AttributionCredit> = {};
  const matchedRevenue = (match?.directRevenue ?? 0) + (match?.haloRevenue ?? 0);
  const directShare =
    matchedRevenue === 0 ? (match?.direct === true ? 1 : 0) : (match?.directRevenue ?? 0) / matchedRevenue;
  if (!ghost && match !== undefined && touches.length > 0) {
    const typeOf = new Map(touches.map((touch) => [touch.eventId, touch.type]));
    for (const model of ATTRIBUTION_MODELS) {
      for (const [exposureEventId, weight] of creditWeights(model, touches, conversion.at, ctx.halfLifeMs)) {
        const credit = buildCredit(model, subjectId, conversion, campaignId, exposureEventId, weight);
        credit.exposureType = typeOf.get(exposureEventId) ?? 'impression';
        credit.match = match.direct ? 'direct' : 'halo';
        credit.revenue = weight * matchedRevenue;
        next[credit.creditId] = credit;
      }
    }
  }

  const previous = subject.credits[pairKey];
  const previousById = previous?.byId ?? {};
  let changed = previous !== undefined && previous.directShare !== directShare;
  for (const [creditId, credit] of Object.entries(next)) {
    const before = previousById[creditId];
    if (before !== undefined && sameCredit(before, credit)) continue;
    changed = true;
    ctx.out.push(credit);
  }
  for (const [creditId, before] of Object.entries(previousById)) {
    if (next[creditId] !== undefined) continue;
    changed = true;
    ctx.out.push({ ...before, retracted: true });
  }
  if (!changed) return;
  const ledger = (subject.ledger ??= {});
  for (const before of Object.values(previousById)) {
    countCredit(ctx.aggregates, before, previous?.directShare ?? 0, -1);
    ledgerCredit(ledger, before, -1);
  }
  for (const credit of Object.values(next)) {
    countCredit(ctx.aggregates, credit, directShare, 1);
    ledgerCredit(ledger, credit, 1);
  }
  const wasConverting = Object.keys(previousById).length > 0;
  const isConverting = Object.keys(next).length > 0;
  if (wasConverting !== isConverting) {
    countSubject(ctx.aggregates, subject.rowRefs, where, 'convertingSubjects', isConverting ? 1 : -1);
    ledgerConverting(ledger, where, isConverting ? 1 : -1);
  }
  ctx.touched.add(campaignId);
  if (isConverting) subject.credits[pairKey] = { byId: next, directShare };
  else delete subject.credits[pairKey];
}

function buildCredit(
  model: AttributionModel,
  subjectId: string,
  conversion: ConversionRecord,
  campaignId: string,
  exposureEventId: string,
  weight: number,
): AttributionCredit {
  return {
    kind: 'credit',
    creditId: `credit:${model}:${conversion.eventId}:${exposureEventId}`,
    campaignId,
    model,
    subjectId,
    conversionEventId: conversion.eventId,
    exposureEventId,
    exposureType: 'impression',
    channel: conversion.channel,
    match: 'direct',
    day: conversion.day,
    weight,
    revenue: 0,
    retracted: false,
  };
}
