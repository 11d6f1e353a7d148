/** Builders of clean ad events for the fraud tests. */
import type { AdCleanEvent, PurchaseEvent, Traffic } from '../../../schema/index.ts';

export const T0 = Date.parse('2026-03-01T12:00:00.000Z');
export const SECOND = 1_000;
export const MINUTE = 60_000;
const iso = (at: number) => new Date(at).toISOString();
const consent = { measurement: true, personalization: true, partnerSharing: true };

export interface AdOptions {
  subjectId?: string | null;
  placement?: AdCleanEvent['placement'];
  impressionId?: string;
  creativeId?: string;
  traffic?: Partial<Traffic>;
}

export function ad(
  id: string,
  type: 'impression' | 'click',
  at: number,
  options: AdOptions = {},
): AdCleanEvent {
  return {
    eventId: `retail.ad-events:${id}`,
    occurredAt: iso(at),
    subjectId: options.subjectId === undefined ? 'subject-1' : options.subjectId,
    consent,
    type,
    adEventId: id,
    campaignId: 'c1',
    placement: options.placement ?? 'search',
    ...(options.creativeId === undefined ? {} : { creativeId: options.creativeId }),
    ...(options.impressionId === undefined ? {} : { impressionId: options.impressionId }),
    traffic: {
      ipHash: 'ip-1',
      ipPrefixHash: 'prefix-1',
      ipClass: 'other',
      botUserAgent: false,
      nonBrowserAgent: false,
      deviceHash: 'device-1',
      ...options.traffic,
    },
  } as AdCleanEvent;
}

/** An impression and, `delayMs` later, its click. */
export function impressionAndClick(
  id: string,
  at: number,
  delayMs: number,
  options: AdOptions = {},
): AdCleanEvent[] {
  return [
    ad(`${id}-i`, 'impression', at, options),
    ad(`${id}-c`, 'click', at + delayMs, { ...options, impressionId: `${id}-i` }),
  ];
}

export function purchase(id: string, at: number, subjectId: string): PurchaseEvent {
  return {
    eventId: `retail.transactions:${id}`,
    occurredAt: iso(at),
    subjectId,
    consent,
    type: 'purchase',
    channel: 'online',
    region: 'west',
    orderId: id,
    currency: 'USD',
    items: [{ sku: 'sku-1', category: 'snacks', brand: 'Acme', quantity: 1, unitPrice: 5 }],
    revenue: 5,
  };
}
