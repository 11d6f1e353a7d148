/** Builders of clean events, verdicts and campaigns for the attribution tests. */
import type { AdCleanEvent, CampaignInfo, IvtVerdict, PurchaseEvent } from '../../../schema/index.ts';

export const T0 = Date.parse('2026-03-01T12:00:00.000Z');
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
export const iso = (at: number) => new Date(at).toISOString();

export function campaign(overrides: Partial<CampaignInfo> = {}): CampaignInfo {
  return {
    campaignId: 'c1',
    brand: 'Acme',
    name: 'Acme spring',
    startsAt: iso(T0 - 30 * DAY),
    products: { skus: ['sku-1'], brands: ['Acme'] },
    clickLookbackDays: 14,
    viewLookbackDays: 1,
    holdoutPercent: 0,
    ...overrides,
  };
}

const consent = { measurement: true, personalization: true, partnerSharing: true };
const traffic = { ipClass: 'other' as const, botUserAgent: false, nonBrowserAgent: false };

export function exposure(
  eventId: string,
  type: 'impression' | 'click',
  at: number,
  overrides: Partial<AdCleanEvent> = {},
): AdCleanEvent {
  return {
    eventId,
    occurredAt: iso(at),
    subjectId: 's1',
    consent,
    type,
    adEventId: eventId.replace(/^.*:/, ''),
    campaignId: 'c1',
    placement: 'search',
    cost: 0.5,
    traffic,
    ...overrides,
  } as AdCleanEvent;
}

export function purchase(
  eventId: string,
  at: number,
  items: PurchaseEvent['items'] = [
    { sku: 'sku-1', category: 'snacks', brand: 'Acme', quantity: 1, unitPrice: 10 },
  ],
  overrides: Partial<PurchaseEvent> = {},
): PurchaseEvent {
  return {
    eventId,
    occurredAt: iso(at),
    subjectId: 's1',
    consent,
    type: 'purchase',
    channel: 'online',
    region: 'west',
    orderId: `order-${eventId}`,
    currency: 'USD',
    items,
    revenue: items.reduce((sum, item) => sum + item.quantity * item.unitPrice, 0),
    ...overrides,
  };
}

export function verdict(
  eventId: string,
  at: number,
  valid: boolean,
  revision = 0,
  subjectId = 's1',
): IvtVerdict {
  return {
    verdictId: `ivt:${eventId}:${revision}`,
    eventId,
    adEventId: eventId,
    campaignId: 'c1',
    subjectId,
    occurredAt: iso(at),
    type: 'click',
    valid,
    tier: valid ? null : 'SIVT',
    reasons: valid ? [] : ['flagged_source'],
    revision,
  };
}
