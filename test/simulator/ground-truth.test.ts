import { isbot } from 'isbot';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AdEvent, InteractionEvent, LoyaltyEvent, TransactionEvent } from '../../schema/events.ts';
import { ipv4InCidr, isDataCentreIp, simulate } from '../../simulator/index.ts';
import type { GroundTruth, SimulatedRecord } from '../../simulator/index.ts';

const DAY_MS = 86_400_000;

function normalizeEmail(email: string): string {
  const trimmed = email.trim().toLowerCase();
  const [local = '', domain = ''] = trimmed.split('@');
  return domain === 'gmail.com' ? `${local.split('+')[0]?.replace(/\./g, '')}@${domain}` : trimmed;
}

let records: SimulatedRecord[];
let truth: GroundTruth;
const byTopic = new Map<string, Map<string, object>>();
/** Normalized email and phone -> loyalty id, from the profiles. */
const links = new Map<string, string>();

function eventOf<T>(topic: string, eventId: string): T {
  const event = byTopic.get(topic)?.get(eventId);
  if (event === undefined) throw new Error(`${topic} ${eventId} was not emitted`);
  return event as T;
}

function loyaltyIdOf(
  customer: { loyaltyId?: string; email?: string; phone?: string } | undefined,
): string | undefined {
  if (customer === undefined) return undefined;
  if (customer.loyaltyId !== undefined) return customer.loyaltyId;
  if (customer.email !== undefined) return links.get(normalizeEmail(customer.email));
  return customer.phone === undefined ? undefined : links.get(customer.phone);
}

beforeAll(() => {
  const simulation = simulate({ seed: 21, events: 60_000 });
  records = [...simulation];
  truth = simulation.groundTruth();
  for (const record of records) {
    const value = record.value as { eventId: string };
    const events = byTopic.get(record.topic) ?? new Map<string, object>();
    events.set(value.eventId, value);
    byTopic.set(record.topic, events);
    if (record.topic === 'retail.loyalty') {
      const profile = record.value as LoyaltyEvent;
      if (profile.email !== undefined) links.set(normalizeEmail(profile.email), profile.loyaltyId);
      if (profile.phone !== undefined) links.set(profile.phone, profile.loyaltyId);
    }
  }
});

describe('ground truth', () => {
  it('counts what was emitted', () => {
    expect(truth.records).toBe(records.length);
    const total = Object.values(truth.recordsByTopic).reduce((sum, count) => sum + count, 0);
    expect(total).toBe(records.length);
  });

  it('lists invalid ad events that exist, and exactly the ad events from bots, data centres and farms', () => {
    expect(truth.invalidAdEvents.length).toBeGreaterThan(100);
    const invalid = new Map(truth.invalidAdEvents.map((entry) => [entry.eventId, entry]));
    expect(invalid.size).toBe(truth.invalidAdEvents.length);
    const farmCidrs = truth.clickFarms.map((farm) => farm.cidr);
    for (const [eventId, event] of byTopic.get('retail.ad-events') ?? []) {
      const ad = event as AdEvent;
      const entry = invalid.get(eventId);
      const botAgent = ad.userAgent !== undefined && isbot(ad.userAgent);
      const dataCentre = ad.ip !== undefined && isDataCentreIp(ad.ip);
      const farm = ad.ip !== undefined && farmCidrs.some((cidr) => ipv4InCidr(ad.ip as string, cidr));
      expect(entry !== undefined, eventId).toBe(botAgent || dataCentre || farm);
      if (entry === undefined) continue;
      expect(entry.reasons.includes('bot_user_agent')).toBe(botAgent);
      expect(entry.reasons.includes('data_centre_ip')).toBe(dataCentre);
      expect(entry.reasons.includes('click_farm')).toBe(farm);
    }
    for (const entry of truth.invalidInteractions) {
      const event = eventOf<InteractionEvent>('retail.interactions', entry.eventId);
      expect(isbot(event.userAgent ?? '')).toBe(true);
    }
    const reasons = new Set(truth.invalidAdEvents.flatMap((entry) => entry.reasons));
    expect(reasons).toEqual(new Set(['click_farm', 'bot_user_agent', 'data_centre_ip']));
  });

  it('plants click farms that click in bursts and never buy', () => {
    const farmDevices = new Set(truth.clickFarms.flatMap((farm) => farm.deviceIds));
    const farmClicks = truth.invalidAdEvents.filter((entry) => entry.reasons.includes('click_farm'));
    expect(farmClicks.length).toBeGreaterThan(100);
    for (const entry of farmClicks) {
      const ad = eventOf<AdEvent>('retail.ad-events', entry.eventId);
      expect(farmDevices.has(ad.deviceId ?? '')).toBe(true);
      expect(ad.customer).toBeUndefined();
    }
    for (const farm of truth.clickFarms) {
      const planted = farmClicks.filter((entry) => entry.source === farm.farmId).length;
      expect(farm.bursts.reduce((sum, burst) => sum + burst.events, 0)).toBe(planted);
    }
    const causedExposures = new Set(truth.causedPurchases.map((caused) => caused.exposureEventId));
    for (const entry of truth.invalidAdEvents) expect(causedExposures.has(entry.eventId)).toBe(false);
  });

  it('has every caused purchase follow its exposure inside the campaign lookback, for the same shopper', () => {
    expect(truth.causedPurchases.length).toBeGreaterThan(50);
    const campaigns = new Map(truth.campaigns.map((campaign) => [campaign.campaignId, campaign]));
    const types = new Set<string>();
    for (const caused of truth.causedPurchases) {
      const purchase = eventOf<TransactionEvent>('retail.transactions', caused.purchaseEventId);
      const exposure = eventOf<AdEvent>('retail.ad-events', caused.exposureEventId);
      const campaign = campaigns.get(caused.campaignId);
      expect(campaign).toBeDefined();
      expect(exposure.campaignId).toBe(caused.campaignId);
      expect(exposure.type).toBe(caused.exposureType);
      types.add(exposure.type);
      expect(purchase.orderId).toBe(caused.orderId);
      expect(purchase.items.some((item) => item.sku === caused.sku && item.quantity > 0)).toBe(true);
      const gap = Date.parse(purchase.occurredAt) - Date.parse(exposure.occurredAt);
      expect(gap).toBeGreaterThan(0);
      const lookbackDays =
        exposure.type === 'click' ? campaign!.clickLookbackDays : campaign!.viewLookbackDays;
      expect(gap).toBeLessThanOrEqual(lookbackDays * DAY_MS);
      expect(loyaltyIdOf(purchase.customer)).toBe(caused.loyaltyId);
      expect(loyaltyIdOf(exposure.customer)).toBe(caused.loyaltyId);
      expect(campaign!.holdoutLoyaltyIds.includes(caused.loyaltyId)).toBe(false);
    }
    expect(types).toEqual(new Set(['click', 'impression']));
  });

  it('keeps caused purchases inside the lookbacks over simulated days', () => {
    // Few, rare visits: the simulated clock runs for days and exposures age past their lookbacks.
    const simulation = simulate({
      seed: 22,
      shoppers: 1_000,
      visitsPerShopperPerDay: 0.6,
      events: 40_000,
      surge: false,
    });
    const exposures = new Map<string, AdEvent>();
    const purchases = new Map<string, TransactionEvent>();
    for (const record of simulation) {
      if (record.topic === 'retail.ad-events')
        exposures.set((record.value as AdEvent).eventId, record.value as AdEvent);
      if (record.topic === 'retail.transactions') {
        purchases.set((record.value as TransactionEvent).eventId, record.value as TransactionEvent);
      }
    }
    const longTruth = simulation.groundTruth();
    expect(Date.parse(longTruth.lastEventAt) - Date.parse(longTruth.startsAt)).toBeGreaterThan(2 * DAY_MS);
    const lookbacks = new Map(longTruth.campaigns.map((campaign) => [campaign.campaignId, campaign]));
    for (const caused of longTruth.causedPurchases) {
      const exposure = exposures.get(caused.exposureEventId);
      const purchase = purchases.get(caused.purchaseEventId);
      expect(exposure).toBeDefined();
      expect(purchase).toBeDefined();
      const gap = Date.parse(purchase!.occurredAt) - Date.parse(exposure!.occurredAt);
      const campaign = lookbacks.get(caused.campaignId)!;
      const days = caused.exposureType === 'click' ? campaign.clickLookbackDays : campaign.viewLookbackDays;
      expect(gap).toBeGreaterThan(0);
      expect(gap).toBeLessThanOrEqual(days * DAY_MS);
    }
    expect(longTruth.causedPurchases.length).toBeGreaterThan(20);
  });

  it('never shows a held-out shopper the campaign', () => {
    const heldOut = new Map(
      truth.campaigns.map((campaign) => [campaign.campaignId, new Set(campaign.holdoutLoyaltyIds)]),
    );
    expect(heldOut.get('cmp-fresh-oats-spring')?.size).toBeGreaterThan(0);
    for (const event of byTopic.get('retail.ad-events')?.values() ?? []) {
      const ad = event as AdEvent;
      const loyaltyId = loyaltyIdOf(ad.customer);
      if (loyaltyId !== undefined) expect(heldOut.get(ad.campaignId)?.has(loyaltyId)).toBe(false);
    }
  });

  it('records opt-outs and erasures that exist on retail.loyalty', () => {
    const kinds = new Set(truth.consentChanges.map((change) => change.kind));
    expect(kinds.has('opt_out')).toBe(true);
    expect(kinds.has('erasure')).toBe(true);
    expect(kinds.has('initial_opt_out')).toBe(true);
    for (const change of truth.consentChanges) {
      const event = eventOf<LoyaltyEvent>('retail.loyalty', change.eventId);
      expect(event.loyaltyId).toBe(change.loyaltyId);
      expect(event.consent).toEqual(change.consent);
      expect(event.erase === true).toBe(change.kind === 'erasure');
      if (change.kind === 'opt_out') expect(event.consent.partnerSharing).toBe(false);
    }
  });

  it('records returns as negative quantities and late events that arrive after later ones', () => {
    expect(truth.returns.length).toBeGreaterThan(0);
    for (const entry of truth.returns) {
      const event = eventOf<TransactionEvent>('retail.transactions', entry.eventId);
      expect(event.items.every((item) => item.quantity < 0)).toBe(true);
      eventOf<TransactionEvent>('retail.transactions', entry.originalEventId);
    }
    expect(truth.lateEvents.length).toBeGreaterThan(10);
    const position = new Map<string, number>();
    records.forEach((record, index) => position.set((record.value as { eventId: string }).eventId, index));
    for (const late of truth.lateEvents) {
      expect(late.delayMinutes).toBeGreaterThanOrEqual(60);
      const index = position.get(late.eventId) ?? -1;
      const previous = records[index - 1]?.value as { occurredAt?: string } | undefined;
      expect(Date.parse(previous?.occurredAt ?? '')).toBeGreaterThan(
        Date.parse(late.occurredAt) + 30 * 60_000,
      );
    }
  });

  it('writes identifiers the way people type them', () => {
    const emails = [...(byTopic.get('retail.transactions')?.values() ?? [])]
      .map((event) => (event as TransactionEvent).customer?.email)
      .filter((email): email is string => email !== undefined);
    expect(emails.some((email) => email !== email.trim())).toBe(true);
    expect(emails.some((email) => /\+/.test(email) && /gmail/i.test(email))).toBe(true);
    expect(emails.some((email) => email !== email.toLowerCase())).toBe(true);
    for (const profile of byTopic.get('retail.loyalty')?.values() ?? []) {
      const phone = (profile as LoyaltyEvent).phone;
      if (phone !== undefined) expect(phone).toMatch(/^\+\d{8,15}$/);
    }
  });
});
