/**
 * Bulk raw messages for volume tests: `good` valid events with unique ids across four topics, and `bad` ones
 * malformed in rotating ways (not JSON, a wrong type, a bad date, an invalid phone, an unknown key).
 */

/** A raw message to produce. */
export interface BulkMessage {
  topic: string;
  key: string | null;
  value: string;
}

const at = '2026-03-01T10:11:12Z';

function goodValue(index: number): BulkMessage {
  const customer =
    index % 3 === 0
      ? undefined
      : {
          loyaltyId: `L${index % 4000}`,
          ...(index % 2 === 0 ? { email: `shopper${index % 6000}@example.com` } : {}),
        };
  const eventId = `good-${index}`;
  switch (index % 4) {
    case 0:
      return {
        topic: 'retail.ad-events',
        key: null,
        value: JSON.stringify({
          eventId,
          occurredAt: at,
          type: index % 8 === 0 ? 'click' : 'impression',
          campaignId: `C${index % 5}`,
          placement: 'search',
          customer,
          ip: `73.${index % 256}.${(index >> 8) % 256}.7`,
          userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0',
          cost: 0.01,
        }),
      };
    case 1:
      return {
        topic: 'retail.interactions',
        key: null,
        value: JSON.stringify({
          eventId,
          occurredAt: at,
          type: 'product_view',
          sessionId: `s${index % 900}`,
          sku: 'SKU-1',
          customer,
        }),
      };
    case 2:
      return {
        topic: 'retail.transactions',
        key: null,
        value: JSON.stringify({
          eventId,
          occurredAt: at,
          channel: 'online',
          region: 'west',
          orderId: `O${index}`,
          customer,
          items: [{ sku: 'SKU-1', category: 'snacks', brand: 'Acme', quantity: 1, unitPrice: 3 }],
        }),
      };
    default:
      return {
        topic: 'retail.store-visits',
        key: null,
        value: JSON.stringify({
          eventId,
          occurredAt: at,
          storeId: 'S1',
          zone: 'entrance',
          region: 'west',
          customer,
        }),
      };
  }
}

function badValue(index: number): BulkMessage {
  const eventId = `bad-${index}`;
  switch (index % 5) {
    case 0:
      return { topic: 'retail.ad-events', key: null, value: `{"eventId": "${eventId}", broken` };
    case 1:
      return {
        topic: 'retail.transactions',
        key: null,
        value: JSON.stringify({
          eventId,
          occurredAt: at,
          channel: 'online',
          region: 'west',
          orderId: 7,
          items: [],
        }),
      };
    case 2:
      return {
        topic: 'retail.interactions',
        key: null,
        value: JSON.stringify({ eventId, occurredAt: 'last tuesday', type: 'search', sessionId: 's' }),
      };
    case 3:
      return {
        topic: 'retail.store-visits',
        key: null,
        value: JSON.stringify({
          eventId,
          occurredAt: at,
          storeId: 'S1',
          zone: 'z',
          region: 'r',
          customer: { phone: '555-0100' },
        }),
      };
    default:
      return {
        topic: 'retail.ad-events',
        key: null,
        value: JSON.stringify({
          eventId,
          occurredAt: at,
          type: 'click',
          campaignId: 'C',
          placement: 'search',
          secret: 1,
        }),
      };
  }
}

/** `good` valid messages with ids `good-<n>` and `bad` malformed ones, interleaved evenly. */
export function bulkMessages(good: number, bad: number): BulkMessage[] {
  const messages: BulkMessage[] = [];
  const every = Math.max(1, Math.floor(good / Math.max(1, bad)));
  let badIndex = 0;
  for (let index = 0; index < good; index += 1) {
    messages.push(goodValue(index));
    if ((index + 1) % every === 0 && badIndex < bad) messages.push(badValue(badIndex++));
  }
  while (badIndex < bad) messages.push(badValue(badIndex++));
  return messages;
}
