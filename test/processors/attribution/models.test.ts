import { describe, expect, it } from 'vitest';
import { ATTRIBUTION_MODELS, creditWeights } from '../../../processors/attribution/index.ts';
import type { Touch } from '../../../processors/attribution/index.ts';
import { DAY, HOUR, T0 } from './fixtures.ts';

const obj = (weights: Map<string, number>) => Object.fromEntries(weights);

describe('attribution models (hand-worked splits)', () => {
  it('gives one touch 100% under every model', () => {
    for (const model of ATTRIBUTION_MODELS) {
      expect(obj(creditWeights(model, [{ eventId: 'v', type: 'impression', at: T0 - HOUR }], T0))).toEqual({
        v: 1,
      });
    }
  });

  it('splits two touches (a view 10 h and a click 2 h before the purchase)', () => {
    const touches: Touch[] = [
      { eventId: 'view', type: 'impression', at: T0 - 10 * HOUR },
      { eventId: 'click', type: 'click', at: T0 - 2 * HOUR },
    ];
    expect(obj(creditWeights('last_touch', touches, T0))).toEqual({ click: 1 });
    expect(obj(creditWeights('first_touch', touches, T0))).toEqual({ view: 1 });
    expect(obj(creditWeights('linear', touches, T0))).toEqual({ view: 0.5, click: 0.5 });
    expect(obj(creditWeights('position_based', touches, T0))).toEqual({ view: 0.5, click: 0.5 });
    // 2^(-10/168) : 2^(-2/168) -> the view gets 1 / (1 + 2^(8/168)) = 1 / 2.033558 = 0.491749.
    const decay = creditWeights('time_decay', touches, T0);
    expect(decay.get('view')).toBeCloseTo(0.491749, 5);
    expect(decay.get('click')).toBeCloseTo(0.508251, 5);
  });

  it('halves the time-decay weight per half-life (ages 0 and 7 days: 2/3 and 1/3)', () => {
    const touches: Touch[] = [
      { eventId: 'old', type: 'click', at: T0 - 7 * DAY },
      { eventId: 'new', type: 'click', at: T0 },
    ];
    const decay = creditWeights('time_decay', touches, T0);
    expect(decay.get('new')).toBeCloseTo(2 / 3, 12);
    expect(decay.get('old')).toBeCloseTo(1 / 3, 12);
  });

  it('gives position based 40/20/40 over three touches and 40/10/10/40 over four', () => {
    const touches = ['a', 'b', 'c', 'd'].map((eventId, i) => ({
      eventId,
      type: 'click' as const,
      at: T0 - (4 - i) * HOUR,
    }));
    expect(obj(creditWeights('position_based', touches.slice(0, 3), T0))).toEqual({ a: 0.4, b: 0.2, c: 0.4 });
    expect(obj(creditWeights('position_based', touches, T0))).toEqual({ a: 0.4, b: 0.1, c: 0.1, d: 0.4 });
    const linear = creditWeights('linear', touches, T0);
    for (const weight of linear.values()) expect(weight).toBe(0.25);
  });

  it('lets a click beat a later view under last touch', () => {
    const touches: Touch[] = [
      { eventId: 'click', type: 'click', at: T0 - 3 * DAY },
      { eventId: 'view', type: 'impression', at: T0 - HOUR },
    ];
    expect(obj(creditWeights('last_touch', touches, T0))).toEqual({ click: 1 });
    expect(obj(creditWeights('first_touch', touches, T0))).toEqual({ click: 1 });
  });

  it('breaks ties at the same instant by event id, whatever the input order', () => {
    const touches: Touch[] = [
      { eventId: 'b', type: 'click', at: T0 - HOUR },
      { eventId: 'a', type: 'click', at: T0 - HOUR },
    ];
    expect(obj(creditWeights('last_touch', touches, T0))).toEqual({ b: 1 });
    expect(obj(creditWeights('first_touch', touches, T0))).toEqual({ a: 1 });
    expect(obj(creditWeights('last_touch', [...touches].reverse(), T0))).toEqual({ b: 1 });
    expect(obj(creditWeights('time_decay', touches, T0))).toEqual({ a: 0.5, b: 0.5 });
  });

  it('gives nothing without touches', () => {
    expect(creditWeights('linear', [], T0).size).toBe(0);
  });
});
