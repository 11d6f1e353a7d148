/**
 * fast-check generators of raw events full of PII (emails, phones, IPs, loyalty and device ids), and the
 * needles a leak check looks for: each value in the clear, normalized, and as a plain SHA-256 (hex, Base64,
 * Base64url) of either.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';

/** One generated raw message and the PII it carries. */
export interface PiiMessage {
  topic: string;
  value: string;
  pii: string[];
}

const loyaltyId = fc.stringMatching(/^[A-Za-z0-9]{12,20}$/).map((id) => `LY${id}`);
const deviceId = fc.stringMatching(/^[a-f0-9]{16,24}$/).map((id) => `dev-${id}`);
const phone = fc.stringMatching(/^\+[1-9][0-9]{9,14}$/);
const badPhone = phone.map((value) => `${value.slice(0, 4)} ${value.slice(4)}`);
const email = fc.oneof(
  fc.emailAddress().filter((value) => value.length <= 200),
  fc
    .tuple(
      fc.stringMatching(/^[a-z]{3,10}$/),
      fc.stringMatching(/^[a-z]{2,8}$/),
      fc.stringMatching(/^[a-z0-9]{1,6}$/),
    )
    .map(([first, last, tag]) => ` ${first}.${last}+${tag}@GMail.com `),
);
const ip = fc.oneof(fc.ipV4(), fc.ipV6());
const consent = fc.record({
  measurement: fc.boolean(),
  personalization: fc.boolean(),
  partnerSharing: fc.boolean(),
});
const occurredAt = fc.constant('2026-03-01T10:11:12Z');

const customer = fc.record(
  { loyaltyId, email, phone: fc.oneof({ weight: 9, arbitrary: phone }, { weight: 1, arbitrary: badPhone }) },
  { requiredKeys: [] },
);

/** Normalizations a leak could take of a value (lower-cased, trimmed, gmail rules, namespaced). */
function forms(value: string): string[] {
  const trimmed = value.trim();
  const lower = trimmed.toLowerCase();
  const out = new Set([value, trimmed, lower, `loyalty:${value}`, `device:${value}`]);
  const at = lower.lastIndexOf('@');
  if (at > 0 && lower.slice(at + 1) === 'gmail.com') {
    const local = lower.slice(0, at).split('+')[0]!.replaceAll('.', '');
    out.add(`${local}@gmail.com`);
  }
  return [...out];
}

/** The strings that must never appear in any output or log line for these PII values. */
export function needlesOf(pii: readonly string[]): string[] {
  const needles = new Set<string>();
  for (const value of pii) {
    for (const form of forms(value)) {
      if (form.trim().length >= 6) needles.add(form.trim());
      const digest = createHash('sha256').update(form, 'utf8').digest();
      needles.add(digest.toString('hex'));
      needles.add(digest.toString('base64'));
      needles.add(digest.toString('base64url'));
    }
  }
  return [...needles];
}

let counter = 0;
const eventId = fc.constant(null).map(() => `ev-${(counter += 1)}`);

/** A raw message full of PII on one of the raw topics (sometimes malformed, so it is dead-lettered). */
export const piiMessage: fc.Arbitrary<PiiMessage> = fc.oneof(
  fc
    .record({
      id: eventId,
      occurredAt,
      customer,
      ip,
      deviceId,
      ua: fc.constantFrom('curl/8.5.0', 'Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0'),
    })
    .map(({ id, occurredAt, customer, ip, deviceId, ua }) => ({
      topic: 'retail.ad-events',
      value: JSON.stringify({
        eventId: id,
        occurredAt,
        type: 'impression',
        campaignId: 'C1',
        placement: 'home',
        customer,
        ip,
        deviceId,
        userAgent: ua,
      }),
      pii: [...Object.values(customer), ip, deviceId],
    })),
  fc
    .record({ id: eventId, occurredAt, customer, ip, deviceId })
    .map(({ id, occurredAt, customer, ip, deviceId }) => ({
      topic: 'retail.interactions',
      value: JSON.stringify({
        eventId: id,
        occurredAt,
        type: 'product_view',
        sessionId: 's-1',
        sku: 'SKU-1',
        customer,
        ip,
        deviceId,
      }),
      pii: [...Object.values(customer), ip, deviceId],
    })),
  fc.record({ id: eventId, occurredAt, customer }).map(({ id, occurredAt, customer }) => ({
    topic: 'retail.transactions',
    value: JSON.stringify({
      eventId: id,
      occurredAt,
      channel: 'online',
      region: 'west',
      orderId: `O-${id}`,
      customer,
      items: [{ sku: 'SKU-1', category: 'snacks', brand: 'Acme', quantity: 1, unitPrice: 2 }],
    }),
    pii: Object.values(customer),
  })),
  fc
    .record({ id: eventId, occurredAt, customer, deviceId })
    .map(({ id, occurredAt, customer, deviceId }) => ({
      topic: 'retail.store-visits',
      value: JSON.stringify({
        eventId: id,
        occurredAt,
        storeId: 'S1',
        zone: 'bakery',
        region: 'west',
        customer,
        deviceId,
      }),
      pii: [...Object.values(customer), deviceId],
    })),
  fc
    .record({
      id: eventId,
      occurredAt,
      loyaltyId,
      email: fc.option(email, { nil: undefined }),
      phone: fc.option(phone, { nil: undefined }),
      consent,
      erase: fc.boolean(),
    })
    .map(({ id, occurredAt, loyaltyId, email, phone, consent, erase }) => ({
      topic: 'retail.loyalty',
      value: JSON.stringify({
        eventId: id,
        occurredAt,
        loyaltyId,
        email,
        phone,
        consent,
        ...(erase ? { erase } : {}),
      }),
      pii: [loyaltyId, ...(email === undefined ? [] : [email]), ...(phone === undefined ? [] : [phone])],
    })),
  // Malformed: PII under an unknown key, or a wrong type beside PII.
  fc.record({ id: eventId, email, ip }).map(({ id, email, ip }) => ({
    topic: 'retail.interactions',
    value: JSON.stringify({
      eventId: id,
      occurredAt: 'yesterday',
      type: 'search',
      sessionId: 's',
      ip,
      [email.trim()]: ip,
    }),
    pii: [email, ip],
  })),
);
