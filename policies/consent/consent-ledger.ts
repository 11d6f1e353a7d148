/**
 * The consent ledger: each subject's consent per purpose, fed by `retail.loyalty` through ingest.
 *
 * - A subject with no record has the host's default (default: measurement only).
 * - The latest record by event time wins; an older one arriving late changes nothing.
 * - Erasure is permanent: an erased subject has no consent for anything, whatever arrives later.
 * - Every change is kept in `consent_changes` for the privacy officer (subject ids only, no identifier).
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
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
  const db = typeof input === 'string' ? open(input) : input;
  db.exec(`
    CREATE TABLE IF NOT EXISTS consent_records (
      subject_id TEXT PRIMARY KEY,
      measurement INTEGER NOT NULL,
      personalization INTEGER NOT NULL,
      partner_sharing INTEGER NOT NULL,
      erased INTEGER NOT NULL,
      event_at TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS consent_changes (
      change_id TEXT PRIMARY KEY,
      subject_id TEXT NOT NULL,
      occurred_at TEXT NOT NULL,
      measurement INTEGER NOT NULL,
      personalization INTEGER NOT NULL,
      partner_sharing INTEGER NOT NULL,
      erased INTEGER NOT NULL
    );
  `);
  const select = db.prepare<[string], ConsentRow>(
    'SELECT measurement, personalization, partner_sharing, erased, event_at FROM consent_records WHERE subject_id = ?',
  );
  const upsert = db.prepare(
    `INSERT INTO consent_records (subject_id, measurement, personalization, partner_sharing, erased, event_at)
     VALUES (@subjectId, @measurement, @personalization, @partnerSharing, @erased, @eventAt)
     ON CONFLICT (subject_id) DO UPDATE SET measurement = excluded.measurement,
       personalization = excluded.personalization, partner_sharing = excluded.partner_sharing,
       erased = excluded.erased, event_at = excluded.event_at`,
  );
  const recordChange = db.prepare(
    `INSERT OR IGNORE INTO consent_changes
       (change_id, subject_id, occurred_at, measurement, personalization, partner_sharing, erased)
     VALUES (@changeId, @subjectId, @eventAt, @measurement, @personalization, @partnerSharing, @erased)`,
  );
  const countAll = db.prepare<[], Record<keyof ConsentCounts, number | null>>(
    `SELECT COUNT(*) AS subjects,
       SUM(erased = 0 AND partner_sharing = 0) AS optedOut,
       SUM(erased = 0 AND measurement = 0) AS measurementWithdrawn,
       SUM(erased = 0 AND personalization = 0) AS personalizationWithdrawn,
       SUM(erased = 1) AS erased
     FROM consent_records`,
  );

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
      upsert.run(row);
      const after = stateOf(select.get(subjectId));
      // A subject's first record is a change even when it equals the default: every reader of
      // `cleanroom.consent` must know the subject from now on, and none may assume a default of its own.
      const changed = erased || !before.known || !sameConsent(before.consent, after.consent);
      if (changed) recordChange.run({ ...row, changeId: changeId ?? `consent:${subjectId}:${eventAt}` });
      return { changed, state: after };
    },
    get: (subjectId) => stateOf(select.get(subjectId)),
    isErased: (subjectId) => select.get(subjectId)?.erased === 1,
    counts() {
      const row = countAll.get();
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

function open(file: string): Database.Database {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  if (!fs.existsSync(file)) fs.writeFileSync(file, '', { mode: 0o600 });
  fs.chmodSync(file, 0o600);
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  return db;
}
