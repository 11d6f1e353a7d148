/** Forgets state older than every rule's horizon, measured against the greatest event time seen. */
import type { FraudConfig } from './config.ts';
import { dropBefore } from './sorted-times.ts';
import type { FraudState } from './state.ts';

/** The longest time any rule looks back. */
export function retentionMs(config: FraudConfig): number {
  return Math.max(
    config.impressionMemoryMs,
    config.noConversion.windowMs,
    config.clickThroughRate.windowMs * 2,
    config.velocity.sessionGapMs,
    config.clickFrequency.windowMs,
    config.duplicateClickWindowMs,
  );
}

function dropOldest<V>(map: Map<string, V>, isOld: (value: V) => boolean): void {
  // Every entry is looked at: insertion order is arrival order before a restart and time order after one, so
  // stopping at the first young entry would keep different entries in the two (and change later verdicts).
  for (const [key, value] of map) if (isOld(value)) map.delete(key);
}

/** Prunes the state in place. */
export function pruneFraudState(state: FraudState, config: FraudConfig): void {
  const now = state.maxEventTime;
  const horizon = now - retentionMs(config);
  dropOldest(state.events, (memory) => memory.at < horizon);
  dropOldest(state.impressions, (at) => at < now - config.impressionMemoryMs);
  for (const [impressionId, clicks] of state.clicksAwaitingImpression) {
    const alive = clicks.filter((eventId) => state.events.has(eventId));
    if (alive.length === 0) state.clicksAwaitingImpression.delete(impressionId);
    else if (alive.length < clicks.length) state.clicksAwaitingImpression.set(impressionId, alive);
  }
  for (const [key, times] of state.clickTimes) {
    let dropped = 0;
    if (key.startsWith('noconv|')) dropped = dropBefore(times, now - config.noConversion.windowMs);
    else if (!key.startsWith('velocity|')) dropped = dropBefore(times, now - config.clickFrequency.windowMs);
    const last = times[times.length - 1];
    if (last === undefined || last < horizon) state.clickTimes.delete(key);
    else if (dropped > 0) state.clickTimes.touch(key);
  }
  for (const [key, eventIds] of state.sourceEvents) {
    const first = eventIds.findIndex((eventId) => state.events.has(eventId));
    if (first === -1) state.sourceEvents.delete(key);
    else if (first > 0) {
      eventIds.splice(0, first);
      state.sourceEvents.touch(key);
    }
  }
  for (const [key, at] of state.lastClick) {
    if (at < now - config.duplicateClickWindowMs) state.lastClick.delete(key);
  }
  const currentWindow = Math.floor(now / config.clickThroughRate.windowMs);
  for (const key of state.rates.keys()) {
    if (Number(key.slice(key.lastIndexOf('|') + 1)) < currentWindow - 1) state.rates.delete(key);
  }
  for (const [key, times] of state.conversions) {
    const dropped = dropBefore(times, now - config.noConversion.windowMs);
    if (times.length === 0) state.conversions.delete(key);
    else if (dropped > 0) state.conversions.touch(key);
  }
  for (const [subjectId, sources] of state.subjectSources) {
    for (const [key, at] of Object.entries(sources))
      if (at < now - config.noConversion.windowMs) delete sources[key];
    if (Object.keys(sources).length === 0) state.subjectSources.delete(subjectId);
    else state.subjectSources.touch(subjectId);
  }
  for (const [key, flag] of state.flagged) if (flag.expiresAt < now) state.flagged.delete(key);
}
