/** Builders of `cleanroom.events` values and consent changes for segment and trigger tests. */
import type { CleanEvent, ConsentChange } from '../../../schema/topics.ts';

const CONSENTED = { measurement: true, personalization: true, partnerSharing: true };

/** A purchase of one line (`quantity` x `unitPrice`) by `subjectId` at `occurredAt`. */
export function purchase(
  eventId: string,
  subjectId: string | null,
  occurredAt: number,
  item: { category: string; brand?: string; sku?: string; quantity?: number; unitPrice?: number },
  options: { region?: string; channel?: 'online' | 'store'; measurement?: boolean } = {},
): CleanEvent {
  const quantity = item.quantity ?? 1;
  const unitPrice = item.unitPrice ?? 5;
  return {
    eventId,
    occurredAt: new Date(occurredAt).toISOString(),
    subjectId,
    consent: { ...CONSENTED, measurement: options.measurement ?? true },
    type: 'purchase',
    channel: options.channel ?? 'online',
    region: options.region ?? 'west',
    orderId: `order-${eventId}`,
    currency: 'USD',
    items: [
      {
        sku: item.sku ?? `sku-${item.category}`,
        category: item.category,
        brand: item.brand ?? 'acme',
        quantity,
        unitPrice,
      },
    ],
    revenue: quantity * unitPrice,
  };
}

/** A product view of `category` by `subjectId` at `occurredAt`. */
export function productView(
  eventId: string,
  subjectId: string,
  occurredAt: number,
  category: string,
): CleanEvent {
  return {
    eventId,
    occurredAt: new Date(occurredAt).toISOString(),
    subjectId,
    consent: CONSENTED,
    type: 'product_view',
    sessionHash: `session-${subjectId}`,
    category,
    sku: `sku-${category}`,
    traffic: { ipClass: 'other', botUserAgent: false, nonBrowserAgent: false },
  };
}

/** A consent change (or erasure) of `subjectId`. */
export function consentChange(
  changeId: string,
  subjectId: string,
  occurredAt: number,
  consent: Partial<ConsentChange['consent']>,
  erased = false,
): ConsentChange {
  return {
    changeId,
    subjectId,
    occurredAt: new Date(occurredAt).toISOString(),
    consent: { ...CONSENTED, ...consent },
    erased,
  };
}
