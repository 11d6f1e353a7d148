/**
 * The consent ledger: each subject's consent per purpose, fed by `retail.loyalty` through ingest.
 *
 * - A subject with no record has the host's default (default: measurement only).
 * - The latest record by event time wins; an older one arriving late changes nothing.
 * - Erasure is permanent: an erased subject has no consent for anything, whatever arrives later.
 * - Every change is kept in `consent_changes` for the privacy officer (subject ids only, no identifier).
 */
import type Database from 'better-sqlite3';
import { eq, sql } from 'drizzle-orm';
import {
  adoptDatabase,
  consentChanges,
  consentRecords,
  openDatabase,
  placeholder as p,
  prepareRendered,
} from '../../schema/db/index.ts';
import type { Consent } from '../../schema/events.ts';
import { ConsentError } from './errors.ts';

/** Consent of a subject with no record: measurement only. */
export const DEFAULT_CONSENT: Readonly<Consent> = Object.freeze({
  measurement: true,
  personalization: false,
  partnerSharing: false,
});

/** No consent for anything (erased subjects). */
export const NO_CONSENT: Readonly<Consent> = Object.freeze({
  measurement: false,
  personalization: false,
  partnerSharing: false,
});

/** A subject's consent as the ledger knows it. */
export interface ConsentState {
  consent: Consent;
  erased: boolean;
  /** False when the subject has no record and `consent` is the default. */
  known: boolean;
  /** Event time of the record (ISO-8601), or null without one. */
  updatedAt: string | null;
}

/** What `apply` did. */
export interface ConsentApplyResult {
  /** The effective consent or erasure changed (processors must be told). */
  changed: boolean;
  state: ConsentState;
}

/** Counts for the privacy officer console. */
export interface ConsentCounts {
  /** Subjects with a record. */
  subjects: number;
  /** Subjects (not erased) that withdrew partner sharing: out of every partner-facing flow. */
  optedOut: number;
  measurementWithdrawn: number;
  personalizationWithdrawn: number;
  erased: number;
}

/** Options of {@link createConsentLedger}. */
export interface ConsentLedgerOptions {
  /** Consent of a subject with no record (default {@link DEFAULT_CONSENT}). */
  default?: Consent;
}

/** The consent ledger. */
export interface ConsentLedger {
  /**
   * Record a subject's consent (or erasure) as of `at`.
   *
   * @param changeId A deterministic id of the change (ingest uses `consent:<raw eventId>`).
   */
  apply(
    subjectId: string,
    consent: Consent,
    erased: boolean,
    at: string | Date,
    changeId?: string,
  ): ConsentApplyResult;
  /** The subject's effective consent. */
  get(subjectId: string): ConsentState;
  /** Whether a subject was erased. */
  isErased(subjectId: string): boolean;
  counts(): ConsentCounts;
  /** The default consent of unknown subjects. */
  readonly defaultConsent: Readonly<Consent>;
  close(): void;
}

interface ConsentRow {
  measurement: number;
  personalization: number;
  partner_sharing: number;
  erased: number;
  event_at: string;
}

/**
 * Create the consent ledger on a SQLite file (or a database shared with ingest's other state).
 *
 * @example
 * const ledger = createConsentLedger(path.join(dataDir, 'ingest.sqlite'));
 * ledger.apply(subjectId, { measurement: true, personalization: false, partnerSharing: false }, false, at);
 */
export function createConsentLedger(
  input: string | Database.Database,
  options: ConsentLedgerOptions = {},
): ConsentLedger {
  const defaultConsent = Object.freeze({ ...(options.default ?? DEFAULT_CONSENT) });
  const owned = typeof input === 'string';
  const { db: orm, sqlite: db } =
    typeof input === 'string' ? openDatabase(input, 'ingest', { private: true }) : adoptDatabase(input);
  const records = consentRecords;
  const changes = consentChanges;
  // Ingest reads a subject's consent for every event: drizzle-rendered SQL run raw (schema/db/prepare-rendered.ts).
  const select = prepareRendered(
    db,
    orm
      .select({
        measurement: records.measurement,
        personalization: records.personalization,
        partner_sharing: records.partnerSharing,
        erased: records.erased,
        event_at: records.eventAt,
      })
      .from(records)
      .where(eq(records.subjectId, p('subject'))),
    ['subject'],
  ) as Database.Statement<[string], ConsentRow>;
  type Row = typeof consentRecords.$inferInsert;
  const upsert = (row: Row): void =>
    void orm
      .insert(records)
      .values(row)
      .onConflictDoUpdate({
        target: records.subjectId,
        set: {
          measurement: row.measurement,
          personalization: row.personalization,
          partnerSharing: row.partnerSharing,
          erased: row.erased,
          eventAt: row.eventAt,
        },
      })
      .run();
  const recordChange = (row: Row & { changeId: string }): void =>
    void orm
      .insert(changes)
      .values({
        changeId: row.changeId,
        subjectId: row.subjectId,
        occurredAt: row.eventAt,
        measurement: row.measurement,
        personalization: row.personalization,
        partnerSharing: row.partnerSharing,
        erased: row.erased,
      })
      .onConflictDoNothing()
      .run();
  const countAll = () =>
    orm
      .select({
        subjects: sql<number>`COUNT(*)`,
        optedOut: sql<number | null>`SUM(${records.erased} = 0 AND ${records.partnerSharing} = 0)`,
        measurementWithdrawn: sql<number | null>`SUM(${records.erased} = 0 AND ${records.measurement} = 0)`,
        personalizationWithdrawn: sql<
          number | null
        >`SUM(${records.erased} = 0 AND ${records.personalization} = 0)`,
        erased: sql<number | null>`SUM(${records.erased} = 1)`,
      })
      .from(records)
      .get();

  const stateOf = (row: ConsentRow | undefined): ConsentState => {
    if (row === undefined)
      return { consent: { ...defaultConsent }, erased: false, known: false, updatedAt: null };
    if (row.erased === 1)
      return { consent: { ...NO_CONSENT }, erased: true, known: true, updatedAt: row.event_at };
    return {
      consent: {
        measurement: row.measurement === 1,
        personalization: row.personalization === 1,
        partnerSharing: row.partner_sharing === 1,
      },
      erased: false,
      known: true,
      updatedAt: row.event_at,
    };
  };

  return {
    defaultConsent,
    apply(subjectId, consent, erased, at, changeId) {
      const eventAt = toIso(at, subjectId);
      const before = stateOf(select.get(subjectId));
      if (before.erased) return { changed: false, state: before };
      // An erasure wins whenever it arrives; anything else must be newer than what the ledger holds.
      if (!erased && before.updatedAt !== null && Date.parse(before.updatedAt) > Date.parse(eventAt)) {
        return { changed: false, state: before };
      }
      const effective = erased ? NO_CONSENT : consent;
      const row = {
        subjectId,
        measurement: effective.measurement ? 1 : 0,
        personalization: effective.personalization ? 1 : 0,
        partnerSharing: effective.partnerSharing ? 1 : 0,
        erased: erased ? 1 : 0,
        eventAt,
      };
      upsert(row);
      const after = stateOf(select.get(subjectId));
      // A subject's first record is a change even when it equals the default: every reader of
      // `cleanroom.consent` must know the subject from now on, and none may assume a default of its own.
      const changed = erased || !before.known || !sameConsent(before.consent, after.consent);
      if (changed) recordChange({ ...row, changeId: changeId ?? `consent:${subjectId}:${eventAt}` });
      return { changed, state: after };
    },
    get: (subjectId) => stateOf(select.get(subjectId)),
    isErased: (subjectId) => select.get(subjectId)?.erased === 1,
    counts() {
      const row = countAll();
      return {
        subjects: row?.subjects ?? 0,
        optedOut: row?.optedOut ?? 0,
        measurementWithdrawn: row?.measurementWithdrawn ?? 0,
        personalizationWithdrawn: row?.personalizationWithdrawn ?? 0,
        erased: row?.erased ?? 0,
      };
    },
    close() {
      if (owned) db.close();
    },
  };
}

function sameConsent(a: Consent, b: Consent): boolean {
  return (
    a.measurement === b.measurement &&
    a.personalization === b.personalization &&
    a.partnerSharing === b.partnerSharing
  );
}

function toIso(at: string | Date, subjectId: string): string {
  const ms = typeof at === 'string' ? Date.parse(at) : at.getTime();
  if (Number.isNaN(ms))
    throw new ConsentError('INVALID_TIME', 'the consent time is not a date', { subjectId });
  return new Date(ms).toISOString();
}
