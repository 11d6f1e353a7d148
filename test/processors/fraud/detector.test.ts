import { describe, expect, it } from 'vitest';
import { createFraudDetector } from '../../../processors/fraud/index.ts';
import type { FraudDetector, FraudConfigInput } from '../../../processors/fraud/index.ts';
import { fraudSignalSchema, ivtVerdictSchema } from '../../../schema/index.ts';
import type { CleanEvent, FraudSignal, IvtVerdict } from '../../../schema/index.ts';
import { MINUTE, SECOND, T0, ad, impressionAndClick, purchase } from './fixtures.ts';

function run(detector: FraudDetector, events: CleanEvent[]) {
  const verdicts: IvtVerdict[] = [];
  const signals: FraudSignal[] = [];
  for (const event of events) {
    const out = detector.observe(event);
    verdicts.push(...out.verdicts.map((v) => ivtVerdictSchema.parse(v)));
    signals.push(...out.signals.map((s) => fraudSignalSchema.parse(s)));
  }
  return { verdicts, signals };
}

/** The latest verdict per ad event id. */
function finalVerdicts(verdicts: IvtVerdict[]): Map<string, IvtVerdict> {
  const latest = new Map<string, IvtVerdict>();
  for (const verdict of verdicts) {
    const before = latest.get(verdict.adEventId);
    if (before === undefined || verdict.revision > before.revision) latest.set(verdict.adEventId, verdict);
  }
  return latest;
}

const detector = (config: FraudConfigInput = {}) => createFraudDetector({ config });

describe('fraud detector', () => {
  it('finds a person clicking an impression a few seconds after seeing it valid', () => {
    const { verdicts, signals } = run(detector(), impressionAndClick('a', T0, 5 * SECOND));
    expect(verdicts.map((v) => [v.adEventId, v.valid, v.tier, v.revision, v.verdictId])).toEqual([
      ['a-i', true, null, 0, 'ivt:retail.ad-events:a-i:0'],
      ['a-c', true, null, 0, 'ivt:retail.ad-events:a-c:0'],
    ]);
    expect(signals).toEqual([]);
  });

  it('marks bots, data-centre ips and non-browser agents GIVT', () => {
    const events = [
      ad('bot', 'impression', T0, { traffic: { botUserAgent: true, nonBrowserAgent: true } }),
      ad('dc', 'impression', T0, { traffic: { ipClass: 'datacenter' } }),
      ad('curl', 'impression', T0, { traffic: { nonBrowserAgent: true } }),
    ];
    const { verdicts } = run(detector(), events);
    expect(verdicts.map((v) => [v.adEventId, v.valid, v.tier, v.reasons])).toEqual([
      ['bot', false, 'GIVT', ['bot_user_agent']],
      ['dc', false, 'GIVT', ['datacenter_ip']],
      ['curl', false, 'GIVT', ['non_browser_agent']],
    ]);
  });

  it('marks a click without an impression GIVT, except on in-store screens', () => {
    const { verdicts } = run(detector(), [
      ad('orphan', 'click', T0),
      ad('screen', 'click', T0, { placement: 'in_store_screen', creativeId: 'other' }),
    ]);
    expect(verdicts.map((v) => [v.adEventId, v.valid, v.reasons])).toEqual([
      ['orphan', false, ['click_without_impression']],
      ['screen', true, []],
    ]);
  });

  it('revises a click that arrived before its impression once the impression comes', () => {
    const [impression, click] = impressionAndClick('late', T0, 4 * SECOND);
    const { verdicts } = run(detector(), [click!, impression!]);
    expect(verdicts.map((v) => [v.adEventId, v.revision, v.valid, v.reasons])).toEqual([
      ['late-c', 0, false, ['click_without_impression']],
      ['late-i', 0, true, []],
      ['late-c', 1, true, []],
    ]);
  });

  it('marks a click under a second after its impression SIVT', () => {
    const { verdicts } = run(detector(), impressionAndClick('fast', T0, 400));
    expect(verdicts[1]).toMatchObject({ valid: false, tier: 'SIVT', reasons: ['impossible_time_to_click'] });
  });

  it('marks the same subject clicking the same campaign and creative within 10 s a duplicate', () => {
    const events = [
      ...impressionAndClick('d1', T0, 5 * SECOND, { creativeId: 'cr' }),
      ...impressionAndClick('d2', T0 + 6 * SECOND, 5 * SECOND, { creativeId: 'cr' }),
      ...impressionAndClick('d3', T0 + 30 * SECOND, 5 * SECOND, { creativeId: 'cr' }),
    ];
    const final = finalVerdicts(run(detector(), events).verdicts);
    expect(final.get('d1-c')?.valid).toBe(true);
    expect(final.get('d2-c')?.reasons).toEqual(['duplicate_click']);
    expect(final.get('d3-c')?.valid).toBe(true);
  });

  it('flags an ip over the click frequency limit, signals it, revises its window and judges it until expiry', () => {
    const config: FraudConfigInput = { clickFrequency: { maxClicksPerIp: 5 }, signalTtlMs: 10 * MINUTE };
    const events: CleanEvent[] = [];
    for (let n = 0; n < 6; n += 1) {
      const device = { deviceHash: `device-${n}` };
      events.push(
        ...impressionAndClick(`f${n}`, T0 + n * 5 * SECOND, 2 * SECOND, {
          subjectId: `s${n}`,
          traffic: device,
        }),
      );
    }
    events.push(
      ...impressionAndClick('after', T0 + 5 * MINUTE, 3 * SECOND, {
        subjectId: 'sx',
        traffic: { deviceHash: 'dx' },
      }),
    );
    events.push(
      ...impressionAndClick('expired', T0 + 20 * MINUTE, 3 * SECOND, {
        subjectId: 'sy',
        traffic: { deviceHash: 'dy' },
      }),
    );
    const { verdicts, signals } = run(detector(config), events);
    expect(signals).toEqual([
      expect.objectContaining({
        sourceKind: 'ip',
        sourceHash: 'ip-1',
        reason: 'ip_click_frequency',
        count: 6,
      }),
    ]);
    expect(signals[0]?.expiresAt).toBe(new Date(T0 + 27 * SECOND + 10 * MINUTE).toISOString());
    const final = finalVerdicts(verdicts);
    for (let n = 0; n < 5; n += 1) {
      expect(final.get(`f${n}-c`)).toMatchObject({
        valid: false,
        revision: 1,
        reasons: ['ip_click_frequency'],
      });
    }
    expect(final.get('f5-c')).toMatchObject({ valid: false, revision: 0, reasons: ['ip_click_frequency'] });
    expect(final.get('after-i')?.reasons).toEqual(['flagged_source']);
    expect(final.get('after-c')?.reasons).toEqual(['flagged_source']);
    expect(final.get('expired-c')?.valid).toBe(true);
  });

  it('catches click velocity: five clicks of one device with a median gap under a second', () => {
    const events: CleanEvent[] = [];
    for (let n = 0; n < 5; n += 1)
      events.push(ad(`v${n}-i`, 'impression', T0 + n * 100, { creativeId: `cr${n}` }));
    for (let n = 0; n < 5; n += 1) {
      events.push(
        ad(`v${n}-c`, 'click', T0 + 10 * SECOND + n * 800, { impressionId: `v${n}-i`, creativeId: `cr${n}` }),
      );
    }
    const { verdicts, signals } = run(detector(), events);
    const final = finalVerdicts(verdicts);
    expect(final.get('v4-c')?.reasons).toContain('click_velocity');
    for (let n = 0; n < 4; n += 1) expect(final.get(`v${n}-c`)?.reasons).toEqual(['click_velocity']);
    expect(signals.map((s) => [s.sourceKind, s.reason, s.count])).toEqual([['device', 'click_velocity', 5]]);
  });

  it('catches a click-through rate far above the placement norm (per device and per ip prefix)', () => {
    const events: CleanEvent[] = [];
    for (let n = 0; n < 10; n += 1) {
      events.push(...impressionAndClick(`r${n}`, T0 + n * 2 * MINUTE, 5 * SECOND, { creativeId: `cr${n}` }));
    }
    const { verdicts, signals } = run(detector(), events);
    const final = finalVerdicts(verdicts);
    expect([...final.values()].every((v) => !v.valid)).toBe(true);
    expect(final.get('r9-c')?.reasons).toEqual(['click_through_rate']);
    expect(signals.map((s) => s.sourceKind).sort()).toEqual(['device', 'ip_prefix']);
  });

  it('catches many clicks with no conversion, and spares a source whose clickers buy', () => {
    const config: FraudConfigInput = {
      noConversion: { minClicks: 8 },
      clickThroughRate: { minClicks: 1000 },
    };
    const build = (withPurchase: boolean) => {
      const events: CleanEvent[] = [];
      for (let n = 0; n < 8; n += 1) {
        events.push(
          ...impressionAndClick(`n${n}`, T0 + n * 20 * MINUTE, 5 * SECOND, { creativeId: `cr${n}` }),
        );
        if (withPurchase && n === 2) events.push(purchase('p1', T0 + n * 20 * MINUTE + MINUTE, 'subject-1'));
      }
      return finalVerdicts(run(detector(config), events).verdicts);
    };
    const without = build(false);
    expect(without.get('n7-c')?.reasons).toEqual(['no_conversions']);
    expect(without.get('n0-c')).toMatchObject({ valid: false, revision: 1 });
    expect([...build(true).values()].every((v) => v.valid)).toBe(true);
  });

  it('gives a redelivered event no second verdict', () => {
    const d = detector();
    const [impression] = impressionAndClick('x', T0, 5 * SECOND);
    expect(d.observe(impression!).verdicts).toHaveLength(1);
    expect(d.observe(impression!).verdicts).toHaveLength(0);
  });

  it('resumes from a snapshot with the same outputs as an uninterrupted run', () => {
    const events: CleanEvent[] = [];
    for (let n = 0; n < 40; n += 1) {
      events.push(
        ...impressionAndClick(`s${n}`, T0 + n * 3 * SECOND, (n % 3) * 700 + 300, {
          creativeId: `cr${n % 4}`,
          traffic: { deviceHash: `d${n % 3}` },
        }),
      );
    }
    const whole = run(detector({ clickFrequency: { maxClicksPerIp: 20 } }), events);
    const first = detector({ clickFrequency: { maxClicksPerIp: 20 } });
    const part1 = run(first, events.slice(0, 37));
    const resumed = createFraudDetector({
      config: { clickFrequency: { maxClicksPerIp: 20 } },
      snapshot: JSON.parse(JSON.stringify(first.snapshot())),
    });
    const part2 = run(resumed, events.slice(37));
    expect([...part1.verdicts, ...part2.verdicts]).toEqual(whole.verdicts);
    expect([...part1.signals, ...part2.signals]).toEqual(whole.signals);
  });
});
