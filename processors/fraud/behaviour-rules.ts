/**
 * SIVT rules that look across events. Each returns the reason when the current click breaks it and, for
 * source-level findings, flags the source (a fraud signal) and revises the source's earlier valid clicks.
 */
import { flagSource, reviseToInvalid } from './context.ts';
import type { DetectorContext } from './context.ts';
import { SIVT_REASONS } from './reasons.ts';
import { countBetween, insertTime, median, upperBound } from './sorted-times.ts';

/** The click being judged, as the rules need it. */
export interface ClickFacts {
  eventId: string;
  at: number;
  placement: string;
  ipKey: string | undefined;
  deviceKey: string | undefined;
  /** The ip's /24 (or /48) prefix hash. */
  prefixKey: string | undefined;
  /** device, else ip, else subject. */
  sourceKey: string;
}

function eventsOf(ctx: DetectorContext, sourceKey: string): string[] {
  return ctx.state.sourceEvents.get(sourceKey) ?? [];
}

/** More than the allowed clicks from one ip hash or device hash in the sliding window. */
export function checkClickFrequency(ctx: DetectorContext, click: ClickFacts): string[] {
  const { windowMs, maxClicksPerIp, maxClicksPerDevice } = ctx.config.clickFrequency;
  const reasons: string[] = [];
  const checks = [
    [click.ipKey, maxClicksPerIp, SIVT_REASONS.ipClickFrequency],
    [click.deviceKey, maxClicksPerDevice, SIVT_REASONS.deviceClickFrequency],
  ] as const;
  for (const [key, max, reason] of checks) {
    if (key === undefined) continue;
    const times = ctx.state.clickTimes.get(key) ?? [];
    insertTime(times, click.at);
    ctx.state.clickTimes.set(key, times);
    const from = click.at - windowMs;
    const count = countBetween(times, from, click.at);
    if (count <= max) continue;
    reasons.push(reason);
    flagSource(ctx, key, reason, from, click.at, count);
    reviseToInvalid(ctx, eventsOf(ctx, key), reason, (m) => m.at >= from && m.at <= click.at);
  }
  return reasons;
}

/** The median gap of the source's last clicks in one session is a machine's. */
export function checkClickVelocity(ctx: DetectorContext, click: ClickFacts): string[] {
  const { minClicks, maxMedianGapMs, sessionGapMs, maxClicksConsidered } = ctx.config.velocity;
  const key = `velocity|${click.sourceKey}`;
  const times = ctx.state.clickTimes.get(key) ?? [];
  insertTime(times, click.at);
  if (times.length > maxClicksConsidered * 2) times.splice(0, times.length - maxClicksConsidered * 2);
  ctx.state.clickTimes.set(key, times);
  const end = upperBound(times, click.at);
  let start = end - 1;
  while (
    start > 0 &&
    end - start < maxClicksConsidered &&
    (times[start] as number) - (times[start - 1] as number) < sessionGapMs
  ) {
    start -= 1;
  }
  if (end - start < minClicks) return [];
  const gaps: number[] = [];
  for (let i = start + 1; i < end; i += 1) gaps.push((times[i] as number) - (times[i - 1] as number));
  if (median(gaps) > maxMedianGapMs) return [];
  const from = times[start] as number;
  const reason = SIVT_REASONS.clickVelocity;
  flagSource(ctx, click.sourceKey, reason, from, click.at, end - start);
  reviseToInvalid(ctx, eventsOf(ctx, click.sourceKey), reason, (m) => m.at >= from && m.at <= click.at);
  return [reason];
}

/** The sources whose click-through rates are watched: the device (or ip, or subject) and the ip prefix. */
export function rateSources(facts: { sourceKey: string; prefixKey: string | undefined }): string[] {
  return facts.prefixKey === undefined ? [facts.sourceKey] : [facts.sourceKey, facts.prefixKey];
}

/** Counts an impression towards its sources' click-through rates on its placement. */
export function countImpression(
  ctx: DetectorContext,
  sourceKeys: readonly string[],
  placement: string,
  at: number,
): void {
  const windowIndex = Math.floor(at / ctx.config.clickThroughRate.windowMs);
  for (const sourceKey of sourceKeys) {
    const cellKey = `${sourceKey}|${placement}|${windowIndex}`;
    const cell = ctx.state.rates.get(cellKey) ?? { impressions: 0, clicks: 0 };
    cell.impressions += 1;
    ctx.state.rates.set(cellKey, cell);
  }
}

/** A source's click-through rate on this placement is far above the placement's norm. */
export function checkClickThroughRate(ctx: DetectorContext, click: ClickFacts): string[] {
  const { windowMs, minClicks, maxRatioToNorm, placementNorms } = ctx.config.clickThroughRate;
  const windowIndex = Math.floor(click.at / windowMs);
  const norm = placementNorms[click.placement as keyof typeof placementNorms] ?? 0.01;
  const reason = SIVT_REASONS.clickThroughRate;
  let found = false;
  for (const sourceKey of rateSources(click)) {
    const cellKey = `${sourceKey}|${click.placement}|${windowIndex}`;
    const cell = ctx.state.rates.get(cellKey) ?? { impressions: 0, clicks: 0 };
    cell.clicks += 1;
    ctx.state.rates.set(cellKey, cell);
    if (cell.clicks < minClicks || cell.clicks <= cell.impressions * norm * maxRatioToNorm) continue;
    found = true;
    const from = windowIndex * windowMs;
    flagSource(ctx, sourceKey, reason, from, click.at, cell.clicks);
    reviseToInvalid(ctx, eventsOf(ctx, sourceKey), reason, (m) => m.at >= from && m.at <= click.at);
  }
  return found ? [reason] : [];
}

/** Many clicks from one source and not one conversion by anyone who clicked from it. */
export function checkNoConversion(ctx: DetectorContext, click: ClickFacts): string[] {
  const { windowMs, minClicks } = ctx.config.noConversion;
  const key = `noconv|${click.sourceKey}`;
  const times = ctx.state.clickTimes.get(key) ?? [];
  insertTime(times, click.at);
  ctx.state.clickTimes.set(key, times);
  const from = click.at - windowMs;
  const clicks = countBetween(times, from, click.at);
  if (clicks < minClicks) return [];
  const conversions = ctx.state.conversions.get(click.sourceKey) ?? [];
  if (countBetween(conversions, from, Number.POSITIVE_INFINITY) > 0) return [];
  const reason = SIVT_REASONS.noConversions;
  flagSource(ctx, click.sourceKey, reason, from, click.at, clicks);
  reviseToInvalid(ctx, eventsOf(ctx, click.sourceKey), reason, (m) => m.at >= from && m.at <= click.at);
  return [reason];
}

/** Records a purchase as a conversion of every source its subject clicked from inside the window. */
export function countConversion(ctx: DetectorContext, subjectId: string, at: number): void {
  const sources = ctx.state.subjectSources.get(subjectId);
  if (sources === undefined) return;
  for (const [sourceKey, lastClickAt] of Object.entries(sources)) {
    if (lastClickAt > at || at - lastClickAt > ctx.config.noConversion.windowMs) continue;
    const times = ctx.state.conversions.get(sourceKey) ?? [];
    insertTime(times, at);
    ctx.state.conversions.set(sourceKey, times);
  }
}
