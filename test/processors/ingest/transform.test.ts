import { createHmac } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashEmail, hashLoyaltyId, subjectIdFor } from '../../../policies/identity/index.ts';
import { transformRecord } from '../../../processors/ingest/index.ts';
import {
  cleanEventSchema,
  consentChangeSchema,
  campaignInfoSchema,
  deadLetterSchema,
  inventoryLevelSchema,
} from '../../../schema/topics.ts';
import { createTempDir, removeTempDir } from '../../helpers/temp-dir.ts';
import {
  adClick,
  createTestContext,
  interaction,
  loyalty,
  purchase,
  rawRecord,
  testSecrets,
} from './fixtures.ts';

const none = { measurement: false, personalization: false, partnerSharing: false };
const all = { measurement: true, personalization: true, partnerSharing: true };
const loyaltySubject = (id: string): string => subjectIdFor(testSecrets.hostSecret, hashLoyaltyId(id));
const hmac = (key: Uint8Array, text: string): string =>
  createHmac('sha256', key).update(text).digest('base64url');

describe('ingest transform', () => {
  let dir: string;
  let context: ReturnType<typeof createTestContext>;
  beforeEach(() => {
    dir = createTempDir('ingest-transform');
    context = createTestContext(dir);
  });
  afterEach(() => {
    context.db.close();
    removeTempDir(dir);
  });

  it('turns a purchase into a clean event keyed by the subject, with consent and revenue', () => {
    transformRecord(
      rawRecord('retail.loyalty', loyalty('l1', 'L-1', all, { email: 'a@example.com' })),
      context,
    );
    const result = transformRecord(
      rawRecord('retail.transactions', purchase('t1', { email: ' A@Example.com' })),
      context,
    );
    expect(result.outcome).toBe('event');
    const [output] = result.outputs;
    expect(output).toMatchObject({
      topic: 'cleanroom.events',
      key: loyaltySubject('L-1'),
      outputId: 'retail.transactions:t1',
    });
    const event = cleanEventSchema.parse(output!.value);
    expect(event).toMatchObject({
      eventId: 'retail.transactions:t1',
      subjectId: loyaltySubject('L-1'),
      consent: all,
      type: 'purchase',
      currency: 'USD',
      revenue: 7.75,
    });
    expect(JSON.stringify(output!.value)).not.toContain('example.com');
  });

  it('keys an anonymous event by its event id and gives it the default consent', () => {
    const result = transformRecord(rawRecord('retail.transactions', purchase('t2')), context);
    expect(result.outputs[0]).toMatchObject({ key: 'retail.transactions:t2' });
    expect(result.outputs[0]!.value).toMatchObject({
      subjectId: null,
      consent: context.consent.defaultConsent,
    });
  });

  it('enriches ad events and strips ip, device and user agent', () => {
    const raw = adClick('a1', {
      ip: '52.1.2.3',
      deviceId: 'dev-9',
      userAgent: 'curl/8.5.0',
      customer: { phone: '+12345678901' },
    });
    const result = transformRecord(rawRecord('retail.ad-events', raw), context);
    const event = cleanEventSchema.parse(result.outputs[0]!.value);
    expect(event).toMatchObject({
      type: 'click',
      adEventId: 'a1',
      campaignId: 'C1',
      traffic: {
        ipClass: 'datacenter',
        botUserAgent: true,
        nonBrowserAgent: true,
        ipHash: hmac(testSecrets.ipHmacKey, 'ip:52.1.2.3'),
        ipPrefixHash: hmac(testSecrets.ipHmacKey, 'prefix:52.1.2.0/24'),
        deviceHash: hmac(testSecrets.deviceHmacKey, 'device:dev-9'),
      },
    });
    const text = JSON.stringify(event);
    for (const raw of ['52.1.2.3', 'dev-9', 'curl', '+12345678901']) expect(text).not.toContain(raw);
  });

  it('keeps the session as an HMAC and drops the search text', () => {
    const result = transformRecord(rawRecord('retail.interactions', interaction('i1')), context);
    const event = cleanEventSchema.parse(result.outputs[0]!.value);
    expect(event).toMatchObject({ sessionHash: hmac(testSecrets.deviceHmacKey, 'session:sess-1') });
    expect(JSON.stringify(event)).not.toContain('vegan');
    expect(JSON.stringify(event)).not.toContain('sess-1');
  });

  it('drops and reports a duplicate event id per raw topic', () => {
    expect(transformRecord(rawRecord('retail.ad-events', adClick('dup')), context).outcome).toBe('event');
    expect(transformRecord(rawRecord('retail.ad-events', adClick('dup')), context)).toEqual({
      outcome: 'duplicate',
      outputs: [],
    });
    expect(transformRecord(rawRecord('retail.interactions', interaction('dup')), context).outcome).toBe(
      'event',
    );
  });

  it.each([
    ['not json', '{oops', '(value)', 'is not valid JSON'],
    ['a missing field', { ...purchase('x'), region: undefined }, 'region', ''],
    [
      'a store sale without store',
      { ...purchase('x'), storeId: undefined },
      'storeId',
      'is required when channel is store',
    ],
    ['an invalid phone', purchase('x', { phone: '555 0100' }), 'customer.phone', 'E.164'],
    ['an invalid email', purchase('x', { email: 'nobody' }), 'customer.email', 'not a valid email'],
    [
      'an unknown key holding PII',
      { ...purchase('x'), 'jane@example.com': 1 },
      '(value)',
      'unrecognized key',
    ],
  ])('dead-letters %s with the field and a reason, never the payload', (_name, value, field, reason) => {
    const record = rawRecord('retail.transactions', value, 77);
    const result = transformRecord(record, context);
    expect(result.outcome).toBe('dead-letter');
    const letter = deadLetterSchema.parse(result.outputs[0]!.value);
    expect(letter).toMatchObject({ sourceTopic: 'retail.transactions', partition: 0, offset: 77, field });
    expect(letter.reason).toContain(reason);
    expect(result.outputs[0]!.outputId).toBe('dead:ingest:retail.transactions:0:77');
    expect(JSON.stringify(letter)).not.toContain('jane@example.com');
    expect(JSON.stringify(letter)).not.toContain('555 0100');
  });

  it('emits a consent change on opt-out, and later events carry the new consent', () => {
    const subject = loyaltySubject('L-7');
    const optIn = transformRecord(
      rawRecord('retail.loyalty', loyalty('l7a', 'L-7', all, { phone: '+447700900123' })),
      context,
    );
    expect(optIn.outcome).toBe('consent');
    const optOut = transformRecord(
      rawRecord('retail.loyalty', { ...loyalty('l7b', 'L-7', none), occurredAt: '2026-03-01T11:00:00Z' }),
      context,
    );
    expect(optOut.outputs).toEqual([
      {
        topic: 'cleanroom.consent',
        key: subject,
        outputId: 'consent:l7b',
        value: consentChangeSchema.parse({
          changeId: 'consent:l7b',
          subjectId: subject,
          occurredAt: '2026-03-01T11:00:00Z',
          consent: none,
          erased: false,
        }),
      },
    ]);
    const event = transformRecord(
      rawRecord('retail.ad-events', adClick('a7', { customer: { phone: '+447700900123' } })),
      context,
    );
    expect(event.outputs[0]!.value).toMatchObject({ subjectId: subject, consent: none });
  });

  it('erases a subject: consent change, links dropped, later events anonymous with no consent', () => {
    transformRecord(
      rawRecord('retail.loyalty', loyalty('l8a', 'L-8', all, { email: 'e8@example.com' })),
      context,
    );
    const erase = transformRecord(
      rawRecord('retail.loyalty', {
        ...loyalty('l8b', 'L-8', all, { erase: true }),
        occurredAt: '2026-03-01T11:00:00Z',
      }),
      context,
    );
    expect(erase.outputs[0]!.value).toMatchObject({
      subjectId: loyaltySubject('L-8'),
      erased: true,
      consent: none,
    });
    expect(context.identity.resolveUploadedEmailHash(hashEmail('e8@example.com'))).toBeNull();
    const later = transformRecord(
      rawRecord('retail.transactions', purchase('t8', { email: 'e8@example.com' })),
      context,
    );
    expect(later.outputs[0]).toMatchObject({ key: 'retail.transactions:t8' });
    expect(later.outputs[0]!.value).toMatchObject({ subjectId: null, consent: none });
    const relink = transformRecord(
      rawRecord('retail.loyalty', loyalty('l8c', 'L-8', all, { occurredAt: '2027-01-01T00:00:00Z' })),
      context,
    );
    expect(relink.outputs).toEqual([]);
  });

  it('passes a stock count to cleanroom.inventory keyed by sku, and dead-letters a bad one with its reason', () => {
    const count = {
      eventId: 'inv-9',
      occurredAt: '2026-03-01T12:00:00Z',
      storeId: 'store-west-01',
      region: 'west',
      sku: 'sparkle-soda-soda-1',
      category: 'soda',
      brand: 'sparkle-soda',
      onHand: 0,
      onOrder: 48,
    };
    const passed = transformRecord(rawRecord('retail.inventory', count, 3), context);
    expect(passed.outcome).toBe('inventory');
    expect(passed.outputs).toHaveLength(1);
    expect(passed.outputs[0]).toMatchObject({
      topic: 'cleanroom.inventory',
      key: 'sparkle-soda-soda-1',
      outputId: 'retail.inventory:inv-9',
    });
    expect(inventoryLevelSchema.parse(passed.outputs[0]!.value)).toEqual({
      ...count,
      eventId: 'retail.inventory:inv-9',
    });
    expect(transformRecord(rawRecord('retail.inventory', count, 4), context).outcome).toBe('duplicate');

    const negative = transformRecord(
      rawRecord('retail.inventory', { ...count, eventId: 'inv-10', onHand: -1 }, 5),
      context,
    );
    expect(negative.outcome).toBe('dead-letter');
    expect(negative.rejected).toEqual({ field: 'onHand', reason: 'must not be negative' });
    const letter = deadLetterSchema.parse(negative.outputs[0]!.value);
    expect(letter).toMatchObject({ sourceTopic: 'retail.inventory', field: 'onHand', offset: 5 });
  });

  it('fills campaign defaults and keys campaigns by id', () => {
    const raw = {
      campaignId: 'C9',
      brand: 'Acme',
      name: 'Spring',
      startsAt: '2026-03-01T00:00:00Z',
      products: { brands: ['Acme'] },
    };
    const result = transformRecord(rawRecord('retail.campaigns', raw, 5), context);
    expect(result.outputs[0]).toMatchObject({
      topic: 'cleanroom.campaigns',
      key: 'C9',
      outputId: 'campaign:C9:0:5',
    });
    expect(campaignInfoSchema.parse(result.outputs[0]!.value)).toMatchObject({
      clickLookbackDays: 14,
      viewLookbackDays: 1,
      holdoutPercent: 0,
    });
  });

  it('is deterministic: the same record against the same state gives the same outputs', () => {
    const otherDir = createTempDir('ingest-transform-b');
    const other = createTestContext(otherDir);
    const record = rawRecord(
      'retail.ad-events',
      adClick('det', { ip: '2601:1::9', customer: { loyaltyId: 'L-3' } }),
    );
    expect(transformRecord(record, other)).toEqual(transformRecord(record, context));
    other.db.close();
    removeTempDir(otherDir);
  });
});
