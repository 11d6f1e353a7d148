import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RAW_TOPICS, validateRawEvent, validateRawValue, MAX_RAW_EVENT_BYTES } from '../../schema/events.ts';
import type { RawTopic } from '../../schema/events.ts';
import { rawTopicJsonSchemas } from '../../schema/export-json-schema.ts';

const at = '2026-03-02T10:15:00Z';
const valid: Record<RawTopic, object> = {
  'retail.transactions': {
    eventId: 't-1',
    occurredAt: at,
    channel: 'store',
    storeId: 's-1',
    region: 'west',
    orderId: 'o-1',
    customer: { loyaltyId: 'L-1' },
    items: [{ sku: 'sku-1', category: 'soda', brand: 'sparkle-soda', quantity: 2, unitPrice: 1.5 }],
    currency: 'USD',
  },
  'retail.interactions': {
    eventId: 'i-1',
    occurredAt: at,
    type: 'search',
    sessionId: 'sess-1',
    query: 'oat milk',
  },
  'retail.ad-events': {
    eventId: 'a-1',
    occurredAt: '2026-03-02T10:15:00.123+02:00',
    type: 'click',
    campaignId: 'c-1',
    placement: 'search',
    impressionId: 'a-0',
    cost: 0.42,
  },
  'retail.loyalty': {
    eventId: 'l-1',
    occurredAt: at,
    loyaltyId: 'L-1',
    email: 'someone@example.com',
    consent: { measurement: true, personalization: false, partnerSharing: true },
  },
  'retail.campaigns': {
    campaignId: 'c-1',
    brand: 'fresh-oats',
    name: 'Spring oats',
    startsAt: at,
    products: { brands: ['fresh-oats'] },
    holdoutPercent: 10,
  },
  'retail.store-visits': { eventId: 'v-1', occurredAt: at, storeId: 's-1', zone: 'entrance', region: 'west' },
  'retail.inventory': {
    eventId: 'inv-1',
    occurredAt: at,
    storeId: 's-1',
    region: 'west',
    sku: 'sku-1',
    category: 'soda',
    brand: 'sparkle-soda',
    onHand: 0,
    onOrder: 24,
  },
  'retail.instore': {
    eventId: 'z-1',
    occurredAt: at,
    kind: 'zone_entry',
    storeId: 's-1',
    region: 'west',
    zone: 'dairy',
    customer: { loyaltyId: 'L-1' },
    screenId: 'screen-dairy-1',
  },
};

describe('raw event contracts', () => {
  it.each(Object.values(RAW_TOPICS))('accepts a valid %s event', (topic) => {
    const result = validateRawEvent(topic, JSON.stringify(valid[topic]));
    expect(result).toEqual({ ok: true, value: valid[topic] });
  });

  const invalid: Array<[RawTopic, object, string, RegExp]> = [
    [
      'retail.transactions',
      { ...valid['retail.transactions'], storeId: undefined },
      'storeId',
      /required when channel is store/,
    ],
    ['retail.transactions', { ...valid['retail.transactions'], items: [] }, 'items', /at least one item/],
    [
      'retail.transactions',
      {
        ...valid['retail.transactions'],
        items: [{ sku: 'x', category: 'c', brand: 'b', quantity: 1.5, unitPrice: 1 }],
      },
      'items.0.quantity',
      /integer/,
    ],
    [
      'retail.transactions',
      { ...valid['retail.transactions'], occurredAt: '2026-03-02 10:15' },
      'occurredAt',
      /ISO-8601/,
    ],
    [
      'retail.transactions',
      { ...valid['retail.transactions'], occurredAt: '2026-03-02T10:15:00' },
      'occurredAt',
      /zone/,
    ],
    ['retail.interactions', { ...valid['retail.interactions'], type: 'purchase' }, 'type', /./],
    [
      'retail.interactions',
      { ...valid['retail.interactions'], sessionId: '' },
      'sessionId',
      /must not be empty/,
    ],
    ['retail.ad-events', { ...valid['retail.ad-events'], placement: 'billboard' }, 'placement', /./],
    ['retail.ad-events', { ...valid['retail.ad-events'], cost: -1 }, 'cost', /must not be negative/],
    ['retail.ad-events', { ...valid['retail.ad-events'], campaignId: 7 }, 'campaignId', /string/],
    [
      'retail.loyalty',
      { ...valid['retail.loyalty'], consent: { measurement: true } },
      'consent.personalization',
      /./,
    ],
    [
      'retail.loyalty',
      { ...valid['retail.loyalty'], unexpected: 'x' },
      '(value)',
      /unexpected|Unrecognized/i,
    ],
    ['retail.campaigns', { ...valid['retail.campaigns'], holdoutPercent: 140 }, 'holdoutPercent', /./],
    ['retail.store-visits', { ...valid['retail.store-visits'], zone: undefined }, 'zone', /./],
    ['retail.inventory', { ...valid['retail.inventory'], onHand: -3 }, 'onHand', /must not be negative/],
    ['retail.instore', { ...valid['retail.instore'], kind: 'teleport' }, 'kind', /./],
    ['retail.instore', { ...valid['retail.instore'], customer: undefined }, 'customer', /./],
    ['retail.instore', { ...valid['retail.instore'], zone: '' }, 'zone', /must not be empty/],
    [
      'retail.instore',
      { ...valid['retail.instore'], kind: 'foot_traffic', customer: undefined, windowSeconds: 60, count: -1 },
      'count',
      /must not be negative/,
    ],
    [
      'retail.instore',
      { ...valid['retail.instore'], kind: 'foot_traffic', windowSeconds: 60, count: 4 },
      '(value)',
      /./,
    ],
    ['retail.inventory', { ...valid['retail.inventory'], onOrder: 2.5 }, 'onOrder', /integer/],
    ['retail.inventory', { ...valid['retail.inventory'], sku: '' }, 'sku', /must not be empty/],
    ['retail.inventory', { ...valid['retail.inventory'], storeId: undefined }, 'storeId', /./],
    [
      'retail.inventory',
      { ...valid['retail.inventory'], customer: { email: 'a@b.example' } },
      '(value)',
      /unrecognized/i,
    ],
  ];

  it.each(invalid)('refuses an invalid %s event naming the field %#', (topic, value, field, reason) => {
    const result = validateRawValue(topic, JSON.parse(JSON.stringify(value)));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.field).toBe(field);
    expect(result.reason).toMatch(reason);
  });

  it('refuses text that is not JSON, and values over the size limit', () => {
    expect(validateRawEvent('retail.transactions', '{"eventId": "t-1",')).toEqual({
      ok: false,
      field: '(value)',
      reason: 'is not valid JSON',
    });
    const huge = JSON.stringify({ ...valid['retail.interactions'], query: 'x'.repeat(MAX_RAW_EVENT_BYTES) });
    const result = validateRawEvent('retail.interactions', huge);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(/larger than/);
  });

  it('keeps the committed JSON Schema files in step with the zod contracts', () => {
    const directory = path.join(import.meta.dirname, '../../schema/json');
    for (const [fileName, document] of rawTopicJsonSchemas()) {
      const committed = JSON.parse(fs.readFileSync(path.join(directory, fileName), 'utf8')) as unknown;
      expect(committed, `${fileName} is stale: run npm run schema:export`).toEqual(document);
    }
  });
});
