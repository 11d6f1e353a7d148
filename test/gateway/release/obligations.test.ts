/**
 * One release step applies every obligation to what each resolver returns: a test per obligation per resolver
 * (real engine and contracts, real HTTP and WebSocket clients). Each obligation is shown to take effect against
 * a control partner whose contract does not carry it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOPICS } from '../../../schema/index.ts';
import type { PartnerContractInput } from '../../../policies/index.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { collect, wsClient } from '../support/clients.ts';
import {
  addMember,
  aggregate,
  campaign,
  codes,
  fillSegment,
  openSegment,
  segmentChange,
  startHarness,
  trigger,
} from '../support/harness.ts';
import type { Harness } from '../support/harness.ts';

const brand = (partnerId: string, extra: Partial<PartnerContractInput> = {}): PartnerContractInput => ({
  partnerId,
  kind: 'BRAND',
  purposes: ['measurement', 'activation'],
  visibility: { segments: ['seg-big', 'seg-small'], campaigns: 'own' },
  kThreshold: 50,
  dp: { epsilonPerQuery: 0.5, budget: { epsilon: 100, window: 'month' } },
  pseudonymousSignals: true,
  rateLimit: { requestsPerMinute: 100_000, maxSubscriptions: 100 },
  ...extra,
});

const qsr = (partnerId: string, extra: Partial<PartnerContractInput> = {}): PartnerContractInput => ({
  partnerId,
  kind: 'QSR',
  purposes: ['trigger'],
  visibility: { triggers: { categories: 'all', regions: 'all' } },
  kThreshold: 50,
  dp: { epsilonPerQuery: 0.5, budget: { epsilon: 100, window: 'month' } },
  rateLimit: { requestsPerMinute: 100_000, maxSubscriptions: 100 },
  ...extra,
});

const REPORT = `query ($id: ID!) { campaignReport(campaignId: $id, from: "2026-11-01T00:00:00Z", to: "2026-11-02T23:59:59Z") {
  rows { day channel exposedSubjects conversions revenue spend roas }
  filteredRows { count exposedSubjects conversions revenue spend } } }`;
const TRIGGERS =
  '{ crossIndustryTriggers(first: 100) { edges { node { id category region lift distinctBuyers } } } }';

type Row = Record<string, number | string | null>;

describe('obligations applied by the release step', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({
      mode: 'policies',
      real: {
        contractInputs: [
          brand('brand-drop', { dropFields: ['revenue', 'roas'] }),
          brand('brand-plain'),
          brand('brand-zero'),
          qsr('qsr-country', { geoGranularity: 'country' }),
          qsr('qsr-drop', { dropFields: ['lift'] }),
          qsr('qsr-plain'),
        ],
        host: { country: 'US' },
      },
    });
    for (const partner of ['brand-drop', 'brand-plain']) {
      await harness.produce(TOPICS.campaigns, `cmp-${partner}`, campaign(`cmp-${partner}`, partner));
      await harness.produce(
        TOPICS.attributions,
        `cmp-${partner}`,
        aggregate(`cmp-${partner}`, '2026-11-01', 'online', 5_000),
      );
      // A row far below k: it must fold into the filtered summary.
      await harness.produce(
        TOPICS.attributions,
        `cmp-${partner}`,
        aggregate(`cmp-${partner}`, '2026-11-01', 'store', 3),
      );
      // A large day outside the reports' range: the live totals (noised by continual counting over a month of
      // ticks, a standard deviation of some thousands of subjects) stay far above k with it.
      await harness.produce(
        TOPICS.attributions,
        `cmp-${partner}`,
        aggregate(`cmp-${partner}`, '2026-10-15', 'online', 500_000),
      );
    }
    // Every row of one day far above k, with nothing converted, earned or spent: noise around zero.
    await harness.produce(TOPICS.campaigns, 'cmp-brand-zero', campaign('cmp-brand-zero', 'brand-zero'));
    for (const channel of ['online', 'store'] as const) {
      const nothing = { conversions: 0, revenue: 0, spend: 0 };
      const row = aggregate('cmp-brand-zero', '2026-11-01', channel, 5_000);
      await harness.produce(TOPICS.attributions, 'cmp-brand-zero', {
        ...row,
        ...nothing,
        convertingSubjects: 0,
        directRevenue: 0,
        haloRevenue: 0,
        bounded: { ...row.bounded, ...nothing },
      });
    }
    await openSegment(harness, 'seg-big');
    await fillSegment(harness, 'seg-small', 5, 'small');
    await harness.produce(TOPICS.triggers, null, trigger('soda', 'west', 1, 2_000));
    await harness.produce(TOPICS.triggers, null, trigger('soda', 'east', 1, 3_000));
    await harness.produce(TOPICS.triggers, null, trigger('soda', 'north', 2, 4));
    await waitFor(() => harness.gateway.services.readModels.triggers().length === 3);
    await waitFor(
      () => harness.gateway.services.readModels.aggregates('cmp-brand-plain', 'last_touch').length === 3,
    );
    await waitFor(
      () => harness.gateway.services.readModels.aggregates('cmp-brand-zero', 'last_touch').length === 2,
    );
  });
  afterAll(async () => {
    await harness.close();
  });

  const as = async (partnerId: string, role: 'BRAND' | 'QSR') => harness.token(partnerId, role);

  describe('campaignReport', () => {
    it('drops the fields the contract withholds, in rows and in the filtered summary', async () => {
      const dropped = await harness.gql(REPORT, { id: 'cmp-brand-drop' }, await as('brand-drop', 'BRAND'));
      const plain = await harness.gql(REPORT, { id: 'cmp-brand-plain' }, await as('brand-plain', 'BRAND'));
      const rowsOf = (response: typeof dropped) =>
        (response.data?.['campaignReport'] as { rows: Row[] }).rows;
      expect(rowsOf(dropped).length).toBeGreaterThan(0);
      for (const row of rowsOf(dropped)) {
        expect(row['revenue']).toBeNull();
        expect(row['roas']).toBeNull();
        expect(row['spend']).not.toBeNull();
      }
      for (const row of rowsOf(plain)) expect(row['revenue']).not.toBeNull();
      const filtered = (dropped.data?.['campaignReport'] as { filteredRows: Row }).filteredRows;
      expect(filtered['revenue']).toBeNull();
    });

    it('folds rows whose noised count is below k into the filtered summary, and noises the rest', async () => {
      const seen = new Set<number>();
      let smallRowsReleased = 0;
      for (let attempt = 0; attempt < 5; attempt += 1) {
        const report = await harness.gql(REPORT, { id: 'cmp-brand-plain' }, await as('brand-plain', 'BRAND'));
        const { rows, filteredRows } = report.data?.['campaignReport'] as { rows: Row[]; filteredRows: Row };
        // The domain is two days by two channels: the 5,000-subject row always clears k after noise; the three
        // others (3 subjects, 0 and 0) do with a probability of about 0.1% each (noise of scale 8 lifting them
        // 47 or 50 subjects), so at most one of the 15 chances comes up, except once in some 10,000 runs.
        const keys = rows.map((row) => `${row['day']}/${row['channel']}`);
        expect(keys).toContain('2026-11-01/online');
        expect(rows.length + (filteredRows['count'] as number)).toBe(4);
        smallRowsReleased += rows.length - 1;
        seen.add(
          rows.find((row) => row['channel'] === 'online' && row['day'] === '2026-11-01')?.[
            'exposedSubjects'
          ] as number,
        );
      }
      expect(smallRowsReleased).toBeLessThanOrEqual(1);
      // Noise: five answers of the same row are not all the exact 5,000.
      expect([...seen].some((value) => value !== 5_000)).toBe(true);
    });

    it('never shows a noised amount below zero, and a summary of no filtered row is all zero', async () => {
      const oneDay = `query { campaignReport(campaignId: "cmp-brand-zero", from: "2026-11-01T00:00:00Z",
        to: "2026-11-01T23:59:59Z") { rows { conversions revenue spend }
        filteredRows { count exposedSubjects conversions revenue spend } } }`;
      const amounts: number[] = [];
      for (let attempt = 0; attempt < 10; attempt += 1) {
        const report = await harness.gql(oneDay, {}, await as('brand-zero', 'BRAND'));
        const { rows, filteredRows } = report.data?.['campaignReport'] as { rows: Row[]; filteredRows: Row };
        expect(rows).toHaveLength(2);
        for (const row of rows)
          amounts.push(...(['conversions', 'revenue', 'spend'] as const).map((f) => row[f] as number));
        expect(filteredRows).toEqual({ count: 0, exposedSubjects: 0, conversions: 0, revenue: 0, spend: 0 });
      }
      // Noise around an exact zero: without the floor about half of these would be negative.
      expect(amounts.every((amount) => amount >= 0)).toBe(true);
      expect(amounts.some((amount) => amount > 0)).toBe(true);
    });
  });

  describe('campaignMetrics', () => {
    it('pushes live totals with the withheld fields dropped', async () => {
      const query = (id: string) =>
        `subscription { campaignMetrics(campaignId: "${id}") { exposedSubjects revenue spend } }`;
      const dropClient = wsClient(harness.url, await as('brand-drop', 'BRAND'));
      const plainClient = wsClient(harness.url, await as('brand-plain', 'BRAND'));
      const dropped = collect<Row>(dropClient, query('cmp-brand-drop'), 'campaignMetrics');
      const plain = collect<Row>(plainClient, query('cmp-brand-plain'), 'campaignMetrics');
      await waitFor(() => dropped.items.length >= 1 && plain.items.length >= 1, { timeout: 15_000 });
      expect(dropped.items[0]?.['revenue']).toBeNull();
      expect(dropped.items[0]?.['spend']).not.toBeNull();
      expect(plain.items[0]?.['revenue']).not.toBeNull();
      dropped.stop();
      plain.stop();
      await dropClient.dispose();
      await plainClient.dispose();
    });
  });

  describe('segmentSize', () => {
    it('refuses a segment whose noised size is below k, and charges the refusal', async () => {
      const token = await as('brand-plain', 'BRAND');
      const before = await harness.gql('{ privacyBudget { epsilonSpent } }', {}, token);
      const refused = await harness.gql('{ segmentSize(segmentId: "seg-small") { value } }', {}, token);
      expect(codes(refused)).toEqual(['BELOW_THRESHOLD']);
      const after = await harness.gql('{ privacyBudget { epsilonSpent } }', {}, token);
      const spent = (response: typeof before) =>
        (response.data?.['privacyBudget'] as { epsilonSpent: number }).epsilonSpent;
      expect(spent(after) - spent(before)).toBeCloseTo(0.5, 6);
    });

    it('noises a size above k', async () => {
      const token = await as('brand-plain', 'BRAND');
      const values = new Set<number>();
      for (let attempt = 0; attempt < 5; attempt += 1) {
        const answer = await harness.gql('{ segmentSize(segmentId: "seg-big") { value } }', {}, token);
        values.add((answer.data?.['segmentSize'] as { value: number }).value);
      }
      expect(values.size).toBeGreaterThan(1);
    });
  });

  describe('crossIndustryTriggers', () => {
    it('coarsens regions to the country and merges a window’s regions for a country contract', async () => {
      const country = await harness.gql(TRIGGERS, {}, await as('qsr-country', 'QSR'));
      const regional = await harness.gql(TRIGGERS, {}, await as('qsr-plain', 'QSR'));
      const nodes = (response: typeof country) =>
        (response.data?.['crossIndustryTriggers'] as { edges: Array<{ node: Row }> }).edges.map(
          (e) => e.node,
        );
      expect(nodes(country).map((node) => node['region'])).toEqual(['US']);
      expect(nodes(country)[0]?.['distinctBuyers']).toBe(5_000);
      expect(
        nodes(regional)
          .map((node) => node['region'])
          .sort(),
      ).toEqual(['east', 'west']);
    });

    it('drops the fields the contract withholds and keeps only triggers whose noised buyers reach k', async () => {
      const dropped = await harness.gql(TRIGGERS, {}, await as('qsr-drop', 'QSR'));
      const nodes = (dropped.data?.['crossIndustryTriggers'] as { edges: Array<{ node: Row }> }).edges.map(
        (edge) => edge.node,
      );
      expect(nodes).toHaveLength(2);
      expect(nodes.every((node) => node['lift'] === null && node['distinctBuyers'] !== null)).toBe(true);
      expect(nodes.some((node) => node['region'] === 'north')).toBe(false);
    });
  });

  describe('triggerFired', () => {
    it('pushes triggers coarsened and with the withheld fields dropped', async () => {
      const query = 'subscription { triggerFired { id region lift distinctBuyers } }';
      const countryClient = wsClient(harness.url, await as('qsr-country', 'QSR'));
      const dropClient = wsClient(harness.url, await as('qsr-drop', 'QSR'));
      const country = collect<Row>(countryClient, query, 'triggerFired');
      const dropped = collect<Row>(dropClient, query, 'triggerFired');
      await waitFor(() => harness.gateway.services.liveSubscriptions.size >= 2);
      await harness.produce(TOPICS.triggers, null, trigger('coffee', 'west', 5, 900));
      await harness.produce(TOPICS.triggers, null, trigger('coffee', 'west', 6, 3));
      await waitFor(() => country.items.length >= 1 && dropped.items.length >= 1);
      expect(country.items.map((item) => item['region'])).toEqual(['US']);
      expect(dropped.items.map((item) => item['lift'])).toEqual([null]);
      expect(dropped.items[0]?.['region']).toBe('west');
      country.stop();
      dropped.stop();
      await countryClient.dispose();
      await dropClient.dispose();
    });
  });

  describe('audienceSignals', () => {
    it('pseudonymizes per partner: never a subject id, one stable pseudonym per partner, unlinkable across', async () => {
      const query = 'subscription { audienceSignals(segmentIds: ["seg-big"]) { pseudonym action } }';
      const dropClient = wsClient(harness.url, await as('brand-drop', 'BRAND'));
      const plainClient = wsClient(harness.url, await as('brand-plain', 'BRAND'));
      const first = collect<Row>(dropClient, query, 'audienceSignals');
      const second = collect<Row>(plainClient, query, 'audienceSignals');
      await waitFor(() => harness.gateway.services.signals.subscriberCount() >= 2);
      await addMember(harness, 'seg-big', 'shopper-pseudo');
      await waitFor(() => first.items.length >= 1 && second.items.length >= 1);
      const a = first.items[0]?.['pseudonym'] as string;
      const b = second.items[0]?.['pseudonym'] as string;
      expect(a).not.toContain('shopper-pseudo');
      expect(b).not.toContain('shopper-pseudo');
      expect(a).not.toBe(b);
      await harness.produce(
        TOPICS.segmentChanges,
        'shopper-pseudo',
        segmentChange('seg-big', 'shopper-pseudo', 'exited'),
      );
      await waitFor(() => first.items.length >= 2);
      expect(first.items[1]).toEqual({ pseudonym: a, action: 'EXITED' });
      first.stop();
      second.stop();
      await dropClient.dispose();
      await plainClient.dispose();
    });
  });

  describe('audienceOverlap', () => {
    it('refuses an overlap whose noised count is below k, charged like an answer', async () => {
      const token = await as('brand-plain', 'BRAND');
      const hashes = Array.from({ length: 120 }, (_, index) =>
        Buffer.alloc(32, index + 1).toString('base64'),
      );
      const upload = await harness.gql(
        'mutation ($h: [String!]!) { uploadAudience(name: "nobody", hashedEmails: $h) { id } }',
        { h: hashes },
        token,
      );
      const { id } = upload.data?.['uploadAudience'] as { id: string };
      const overlap = await harness.gql(
        'query ($id: ID!) { audienceOverlap(uploadId: $id) { overlap { value } } }',
        { id },
        token,
      );
      expect(codes(overlap)).toEqual(['BELOW_THRESHOLD']);
      const entries = await harness.auditEntries();
      const refusal = entries.filter((entry) => entry.action === 'audience.overlap').at(-1);
      expect(refusal).toMatchObject({ effect: 'deny', code: 'BELOW_THRESHOLD' });
      expect(refusal?.result?.epsilonSpent).toBe(0.5);
    });
  });
});
