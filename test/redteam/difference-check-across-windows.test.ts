/**
 * Red team — the upload difference check looks in the wrong window.
 *
 * Leak (severity LOW — the differential-privacy bound of the two charged answers still holds; the defence in
 * depth does not): an overlap is compared only with the queried uploads of the window the upload was MADE in,
 * not the window it is QUERIED in. A brand uploads list B = L + target just before midnight and list A = L just
 * after, then asks both overlaps the next day: two answers on lists one hash apart in one budget window, which the
 * check refuses when both uploads are made the same day.
 *
 * Secure behaviour asserted: B is refused with DIFFERENCE_CHECK, as it is when both uploads share a window.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PartnerContractInput } from '../../policies/index.ts';
import { overlap, strangers, upload } from '../attacks/support.ts';
import { startHarness } from '../gateway/support/harness.ts';
import type { Harness } from '../gateway/support/harness.ts';

const contract: PartnerContractInput = {
  partnerId: 'brand-midnight',
  kind: 'BRAND',
  purposes: ['measurement'],
  kThreshold: 50,
  dp: { epsilonPerQuery: 0.5, budget: { epsilon: 10, window: 'day' } },
  rateLimit: { requestsPerMinute: 100_000, maxSubscriptions: 10 },
};

describe('red team: difference checks across budget windows', () => {
  let harness: Harness;
  let clock = Date.parse('2026-11-20T23:59:00Z');
  beforeAll(async () => {
    harness = await startHarness({
      mode: 'policies',
      real: { contractInputs: [contract] },
      overrides: { now: () => new Date(clock) },
    });
  });
  afterAll(async () => {
    await harness.close();
  });

  it('two lists one hash apart, both asked in one window, are both answered', async () => {
    const token = await harness.token('brand-midnight', 'BRAND');
    const list = strangers(120);
    const [target, control] = strangers(2) as [string, string];

    // 23:59 on day 1: B = L + target.
    const b = await upload(harness.url, token, [...list, target]);
    // 00:01 on day 2: A = L, and the control C = L + another hash, made the same day as A.
    clock = Date.parse('2026-11-21T00:01:00Z');
    const a = await upload(harness.url, token, list);
    const c = await upload(harness.url, token, [...list, control]);

    const answerA = await overlap(harness.url, token, a);
    expect('code' in answerA ? answerA.code : 'answered').not.toBe('DIFFERENCE_CHECK');
    // The check works within a window...
    expect(await overlap(harness.url, token, c)).toMatchObject({ code: 'DIFFERENCE_CHECK' });
    // ...and is skipped for B, asked in the same window but made in the one before.
    const answerB = await overlap(harness.url, token, b);
    console.log(`B (made day 1, asked day 2, one hash from A): ${JSON.stringify(answerB)}`);
    expect(answerB).toMatchObject({ code: 'DIFFERENCE_CHECK' });
  });
});
