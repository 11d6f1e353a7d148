/**
 * A test-only stand-in for ingest's transform, enough for fraud and attribution tests on simulator output:
 * raw ad events and transactions become clean events with hashed identifiers and traffic classes.
 * (The end-to-end suites use the real ingest processor.)
 */
import { createHash } from 'node:crypto';
import { isbot } from 'isbot';
import type { AdEvent, TransactionEvent } from '../../../schema/index.ts';
import type { AdCleanEvent, CleanEvent, PurchaseEvent } from '../../../schema/index.ts';
import { isDataCentreIp } from '../../../simulator/index.ts';

const hash = (text: string) => createHash('sha256').update(`test-key|${text}`).digest('base64url');
const consent = { measurement: true, personalization: true, partnerSharing: true };

function subjectOf(customer: AdEvent['customer']): string | null {
  if (customer === undefined) return null;
  const identifier = customer.loyaltyId ?? customer.email ?? customer.phone;
  return identifier === undefined ? null : hash(`subject:${identifier}`);
}

function prefixOf(ip: string): string {
  return ip.includes(':') ? ip.split(':').slice(0, 3).join(':') : ip.split('.').slice(0, 3).join('.');
}

/** The clean form of a raw ad event. */
export function cleanAdEvent(raw: AdEvent): AdCleanEvent {
  const ua = raw.userAgent;
  return {
    eventId: `retail.ad-events:${raw.eventId}`,
    occurredAt: raw.occurredAt,
    subjectId: subjectOf(raw.customer),
    consent,
    type: raw.type,
    adEventId: raw.eventId,
    campaignId: raw.campaignId,
    placement: raw.placement,
    ...(raw.creativeId === undefined ? {} : { creativeId: raw.creativeId }),
    ...(raw.impressionId === undefined ? {} : { impressionId: raw.impressionId }),
    ...(raw.cost === undefined ? {} : { cost: raw.cost }),
    traffic: {
      ...(raw.ip === undefined
        ? {}
        : { ipHash: hash(`ip:${raw.ip}`), ipPrefixHash: hash(`prefix:${prefixOf(raw.ip)}`) }),
      ipClass: raw.ip === undefined ? 'unknown' : isDataCentreIp(raw.ip) ? 'datacenter' : 'other',
      botUserAgent: ua !== undefined && isbot(ua),
      nonBrowserAgent: ua === undefined || !ua.startsWith('Mozilla/'),
      ...(raw.deviceId === undefined ? {} : { deviceHash: hash(`device:${raw.deviceId}`) }),
    },
  } as AdCleanEvent;
}

/** The clean form of a raw transaction. */
export function cleanPurchase(raw: TransactionEvent): PurchaseEvent {
  return {
    eventId: `retail.transactions:${raw.eventId}`,
    occurredAt: raw.occurredAt,
    subjectId: subjectOf(raw.customer),
    consent,
    type: 'purchase',
    channel: raw.channel,
    ...(raw.storeId === undefined ? {} : { storeId: raw.storeId }),
    region: raw.region,
    orderId: raw.orderId,
    currency: raw.currency ?? 'USD',
    items: raw.items,
    revenue: raw.items.reduce((sum, item) => sum + item.quantity * item.unitPrice, 0),
  };
}

/** The clean event of a simulator record, or null for topics these tests do not need. */
export function cleanFromRaw(topic: string, value: unknown): CleanEvent | null {
  if (topic === 'retail.ad-events') return cleanAdEvent(value as AdEvent);
  if (topic === 'retail.transactions') return cleanPurchase(value as TransactionEvent);
  return null;
}
