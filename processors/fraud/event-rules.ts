/** Rules that judge one ad event from its own facts and what we remember of its impression. */
import type { AdCleanEvent } from '../../schema/index.ts';
import type { FraudConfig } from './config.ts';
import type { DetectorContext } from './context.ts';
import { GIVT_REASONS, SIVT_REASONS } from './reasons.ts';

/** General invalid traffic from the event's traffic facts. */
export function givtReasons(event: AdCleanEvent, config: FraudConfig): string[] {
  const reasons: string[] = [];
  if (event.traffic.botUserAgent) reasons.push(GIVT_REASONS.botUserAgent);
  if (event.traffic.ipClass === 'datacenter') reasons.push(GIVT_REASONS.datacenterIp);
  const exempt = config.nonBrowserExemptPlacements.includes(event.placement);
  if (event.traffic.nonBrowserAgent && !event.traffic.botUserAgent && !exempt) {
    reasons.push(GIVT_REASONS.nonBrowserAgent);
  }
  return reasons;
}

/**
 * Judges a click against its impression: missing where the placement requires one (GIVT), or clicked
 * impossibly soon after it (SIVT). A click naming an impression not seen yet waits for it (the two may
 * arrive out of order from different partitions) and is revised when it comes.
 */
export function impressionReasons(ctx: DetectorContext, event: AdCleanEvent, at: number): string[] {
  const impressionAt =
    event.impressionId === undefined ? undefined : ctx.state.impressions.get(event.impressionId);
  if (impressionAt !== undefined) {
    return at - impressionAt < ctx.config.minTimeToClickMs ? [SIVT_REASONS.impossibleTimeToClick] : [];
  }
  if (!ctx.config.impressionRequiredPlacements.includes(event.placement)) return [];
  if (event.impressionId !== undefined) {
    const waiting = ctx.state.clicksAwaitingImpression.get(event.impressionId) ?? [];
    waiting.push(event.eventId);
    ctx.state.clicksAwaitingImpression.set(event.impressionId, waiting);
  }
  return [GIVT_REASONS.clickWithoutImpression];
}

/** The same subject (or source) clicked the same campaign and creative within the duplicate window. */
export function duplicateReasons(
  ctx: DetectorContext,
  event: AdCleanEvent,
  at: number,
  sourceKey: string,
): string[] {
  const key = `${event.subjectId ?? sourceKey}|${event.campaignId}|${event.creativeId ?? ''}`;
  const last = ctx.state.lastClick.get(key);
  ctx.state.lastClick.set(key, last === undefined ? at : Math.max(last, at));
  if (last !== undefined && Math.abs(at - last) <= ctx.config.duplicateClickWindowMs) {
    return [SIVT_REASONS.duplicateClick];
  }
  return [];
}

/** Whether any of the event's sources is flagged at its event time. */
export function flaggedReasons(ctx: DetectorContext, sourceKeys: readonly string[], at: number): string[] {
  for (const key of sourceKeys) {
    const flag = ctx.state.flagged.get(key);
    if (flag !== undefined && at >= flag.from && at < flag.expiresAt) return [SIVT_REASONS.flaggedSource];
  }
  return [];
}
