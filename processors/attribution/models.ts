/** The five attribution models as pure functions from touches to credit weights (DESIGN.md section 7). */
import type { AttributionModel } from '../../schema/index.ts';

/** One exposure that may earn credit. */
export interface Touch {
  eventId: string;
  type: 'impression' | 'click';
  /** Event time, ms since the epoch. */
  at: number;
}

/** Every model, in a fixed order. */
export const ATTRIBUTION_MODELS: readonly AttributionModel[] = [
  'last_touch',
  'first_touch',
  'linear',
  'time_decay',
  'position_based',
];

/** Default half-life of the time-decay model: 7 days. */
export const DEFAULT_HALF_LIFE_MS = 7 * 24 * 60 * 60 * 1000;

/** Orders touches by time; ties (same instant) are broken by event id so every run agrees. */
export function compareTouches(a: Touch, b: Touch): number {
  if (a.at !== b.at) return a.at - b.at;
  return a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0;
}

/**
 * Splits one conversion among its touches. Returns weights summing to 1 (an empty map without touches).
 *
 * - last touch: the last click if there is one (a click beats a view), else the last view;
 * - first touch: the earliest touch;
 * - linear: equal shares;
 * - time decay: shares proportional to 2^(-age / halfLife), age measured to the conversion;
 * - position based: 40% first, 40% last, 20% shared by the middle; one touch 100%, two touches 50/50.
 *
 * @example creditWeights('position_based', touches, conversionAt) // Map { 'e1' => 0.4, 'e2' => 0.2, 'e3' => 0.4 }
 */
export function creditWeights(
  model: AttributionModel,
  touches: readonly Touch[],
  conversionAt: number,
  halfLifeMs: number = DEFAULT_HALF_LIFE_MS,
): Map<string, number> {
  const sorted = [...touches].sort(compareTouches);
  const weights = new Map<string, number>();
  const first = sorted[0];
  const last = sorted[sorted.length - 1];
  if (first === undefined || last === undefined) return weights;
  const add = (eventId: string, weight: number) => weights.set(eventId, (weights.get(eventId) ?? 0) + weight);
  switch (model) {
    case 'last_touch': {
      const clicks = sorted.filter((touch) => touch.type === 'click');
      add((clicks[clicks.length - 1] ?? last).eventId, 1);
      break;
    }
    case 'first_touch':
      add(first.eventId, 1);
      break;
    case 'linear':
      for (const touch of sorted) add(touch.eventId, 1 / sorted.length);
      break;
    case 'time_decay': {
      const raw = sorted.map((touch) => 2 ** (-(conversionAt - touch.at) / halfLifeMs));
      const total = raw.reduce((sum, value) => sum + value, 0);
      sorted.forEach((touch, i) => add(touch.eventId, (raw[i] as number) / total));
      break;
    }
    case 'position_based':
      if (sorted.length === 1) add(first.eventId, 1);
      else if (sorted.length === 2) {
        add(first.eventId, 0.5);
        add(last.eventId, 0.5);
      } else {
        add(first.eventId, 0.4);
        add(last.eventId, 0.4);
        for (const touch of sorted.slice(1, -1)) add(touch.eventId, 0.2 / (sorted.length - 2));
      }
      break;
  }
  return weights;
}
