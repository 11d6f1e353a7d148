/** Shared fixtures of the ingest tests: a transform context on a real SQLite file, raw records and events. */
import path from 'node:path';
import type Database from 'better-sqlite3';
import { openDatabase } from '../../../schema/db/index.ts';
import { createIdentityStore, secretsFromHostSecret } from '../../../policies/identity/index.ts';
import { createConsentLedger } from '../../../policies/consent/index.ts';
import {
  createIpClassifier,
  DEFAULT_DATACENTER_CIDRS,
  createSeenSet,
} from '../../../processors/ingest/index.ts';
import type { TransformContext } from '../../../processors/ingest/index.ts';
import type { LogRecord } from '../../../processors/runtime/index.ts';

/** A fixed host secret, so expected HMACs can be computed in tests. */
export const testSecrets = secretsFromHostSecret(new Uint8Array(32).fill(11));

/** A transform context on `<dir>/ingest.sqlite`. */
export function createTestContext(dir: string): TransformContext & { db: Database.Database } {
  const { sqlite: db } = openDatabase(path.join(dir, 'ingest.sqlite'), 'ingest', { private: true });
  return {
    db,
    identity: createIdentityStore(db, { hostSecret: testSecrets.hostSecret }),
    consent: createConsentLedger(db),
    seen: createSeenSet(db, 7 * 86_400_000),
    secrets: testSecrets,
    ipClassifier: createIpClassifier(DEFAULT_DATACENTER_CIDRS),
  };
}

let nextOffset = 0;

/** A raw record as the log hands it to ingest. */
export function rawRecord(topic: string, value: unknown, offset = nextOffset++): LogRecord {
  return {
    topic,
    partition: 0,
    offset,
    key: null,
    value: typeof value === 'string' ? value : JSON.stringify(value),
    headers: {},
    timestamp: Date.parse('2026-03-01T12:00:00Z'),
  };
}

const at = '2026-03-01T10:00:00Z';

/** A valid purchase. */
export function purchase(eventId: string, customer?: Record<string, string>): Record<string, unknown> {
  return {
    eventId,
    occurredAt: at,
    channel: 'store',
    storeId: 'S1',
    region: 'west',
    orderId: `O-${eventId}`,
    ...(customer ? { customer } : {}),
    items: [
      { sku: 'SKU-1', category: 'plant-based-meat', brand: 'Acme', quantity: 2, unitPrice: 4.5 },
      { sku: 'SKU-2', category: 'snacks', brand: 'Other', quantity: -1, unitPrice: 1.25 },
    ],
  };
}

/** A valid ad click. */
export function adClick(eventId: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    eventId,
    occurredAt: at,
    type: 'click',
    campaignId: 'C1',
    placement: 'search',
    impressionId: 'imp-1',
    cost: 0.4,
    ...extra,
  };
}

/** A valid interaction. */
export function interaction(eventId: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { eventId, occurredAt: at, type: 'search', sessionId: 'sess-1', query: 'vegan burger', ...extra };
}

/** A valid loyalty profile. */
export function loyalty(
  eventId: string,
  loyaltyId: string,
  consent: { measurement: boolean; personalization: boolean; partnerSharing: boolean },
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return { eventId, occurredAt: at, loyaltyId, consent, ...extra };
}
