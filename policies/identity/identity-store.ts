/**
 * Deterministic identity links in SQLite. No probabilistic matching: two identifiers name one shopper only when
 * they were seen together.
 *
 * Rows are keyed by an identifier's own subject id (HMAC of its hash with the host secret), never by the hash
 * itself, so the file holds nothing a dictionary of emails could reverse without the host secret.
 *
 * Resolution rules:
 * - an event with a loyalty id resolves to the loyalty id's subject; its email, phone and device are linked to
 *   it, and a shopper known so far only by those identifiers is merged into the loyalty subject;
 * - otherwise the first known identifier's subject wins (loyalty-linked ones first), else the first-seen
 *   identifier's own subject (order: loyalty, email, phone, device); unknown identifiers beside it are linked;
 * - an identifier already linked to another loyalty subject stays where it is (first loyalty link wins);
 * - erasure drops a subject's links and keeps tombstones, so its identifiers never resolve to a live subject
 *   again.
 */
import type Database from 'better-sqlite3';
import { IDENTIFIER_KINDS } from './identifiers.ts';
import type { IdentifierHashes, IdentifierKind } from './identifiers.ts';
import { openDatabase } from './sqlite.ts';
import type { DatabaseInput } from './sqlite.ts';
import { subjectIdFor } from './subject-id.ts';

/** The outcome of resolving an event's identifiers. */
export interface Resolution {
  /** Canonical subject id, or null when the event carried no identifier. */
  subjectId: string | null;
  /** The subject was erased: treat it as having no consent for anything. */
  erased: boolean;
}

/** Options of {@link createIdentityStore}. */
export interface IdentityStoreOptions {
  /** The host secret subject ids are keyed with. */
  hostSecret: Uint8Array;
  /** Clock for `linked_at` (default `Date.now`). */
  now?: () => number;
}

/** Deterministic identity links. */
export interface IdentityStore {
  /** Resolve an event's identifiers to the canonical subject, linking the ones seen together. */
  resolve(identifiers: IdentifierHashes): Resolution;
  /** Resolve without linking anything (read only). */
  lookup(identifiers: IdentifierHashes): Resolution;
  /** The subject of an uploaded UID2 email hash, or null when the shopper is unknown or erased. */
  resolveUploadedEmailHash(emailHash: string): string | null;
  /** Drop every link of a subject (erasure); returns how many identifiers were unlinked. */
  erase(subjectId: string): number;
  /** Whether a subject was erased. */
  isErased(subjectId: string): boolean;
  /** Number of linked identifiers (for operators). */
  linkCount(): number;
  /** Close the database if this store opened it. */
  close(): void;
}

const KEY_CACHE_SIZE = 50_000;

interface LinkRow {
  subject_id: string;
  anchored: number;
}

/**
 * Create an identity store on a SQLite file (or a database shared with other stores).
 *
 * @example
 * const identity = createIdentityStore(path.join(dataDir, 'ingest.sqlite'), { hostSecret });
 * const { subjectId } = identity.resolve(hashIdentifiers({ loyaltyId, email }));
 */
export function createIdentityStore(input: DatabaseInput, options: IdentityStoreOptions): IdentityStore {
  const { db, owned } = openDatabase(input);
  const now = options.now ?? Date.now;
  migrate(db);
  const statements = {
    link: db.prepare<[string], LinkRow>(
      'SELECT subject_id, anchored FROM identity_links WHERE identifier_key = ?',
    ),
    tombstone: db.prepare<[string], { subject_id: string }>(
      'SELECT subject_id FROM identity_erased WHERE identifier_key = ?',
    ),
    insert: db.prepare(
      'INSERT INTO identity_links (identifier_key, kind, subject_id, anchored, linked_at) VALUES (?, ?, ?, ?, ?)',
    ),
    merge: db.prepare(
      'UPDATE identity_links SET subject_id = ?, anchored = 1 WHERE subject_id = ? AND anchored = 0',
    ),
    erasedSubject: db.prepare<[string], { n: number }>(
      'SELECT 1 AS n FROM identity_erased WHERE subject_id = ? LIMIT 1',
    ),
    moveToTombstones: db.prepare(
      `INSERT OR IGNORE INTO identity_erased (identifier_key, subject_id, erased_at)
       SELECT identifier_key, subject_id, ? FROM identity_links WHERE subject_id = ?`,
    ),
    tombstoneSubject: db.prepare(
      'INSERT OR IGNORE INTO identity_erased (identifier_key, subject_id, erased_at) VALUES (?, ?, ?)',
    ),
    deleteLinks: db.prepare('DELETE FROM identity_links WHERE subject_id = ?'),
    count: db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM identity_links'),
    anyTombstone: db.prepare<[], { n: number }>('SELECT 1 AS n FROM identity_erased LIMIT 1'),
  };

  // Identifier keys are HMACs of the same hashes over and over (returning shoppers): remember recent ones.
  const keyCache = new Map<string, string>();
  const keyOf = (hash: string): string => {
    let key = keyCache.get(hash);
    if (key === undefined) {
      if (keyCache.size >= KEY_CACHE_SIZE) keyCache.clear();
      key = subjectIdFor(options.hostSecret, hash);
      keyCache.set(hash, key);
    }
    return key;
  };
  const keysOf = (identifiers: IdentifierHashes): Array<{ kind: IdentifierKind; key: string }> =>
    IDENTIFIER_KINDS.flatMap((kind) => {
      const hash = identifiers[kind];
      return hash === undefined ? [] : [{ kind, key: keyOf(hash) }];
    });

  const decide = (identifiers: IdentifierHashes, write: boolean): Resolution => {
    const keys = keysOf(identifiers);
    if (keys.length === 0) return { subjectId: null, erased: false };
    // Most stores never erase anyone: one cheap probe spares a lookup per identifier (and sees erasures made
    // by another process sharing the file).
    const anyTombstone = statements.anyTombstone.get() !== undefined;
    for (const { key } of anyTombstone ? keys : []) {
      const tomb = statements.tombstone.get(key);
      if (tomb !== undefined) return { subjectId: tomb.subject_id, erased: true };
    }
    const known = keys.map((entry) => ({ ...entry, link: statements.link.get(entry.key) }));
    const loyalty = known.find((entry) => entry.kind === 'loyalty');
    let target: { subjectId: string; anchored: boolean };
    if (loyalty !== undefined) {
      target = { subjectId: loyalty.link?.subject_id ?? loyalty.key, anchored: true };
    } else {
      const linked = known.find((entry) => entry.link?.anchored === 1) ?? known.find((entry) => entry.link);
      target =
        linked?.link !== undefined
          ? { subjectId: linked.link.subject_id, anchored: linked.link.anchored === 1 }
          : { subjectId: known[0]!.key, anchored: false };
    }
    if (!write) return { subjectId: target.subjectId, erased: false };
    const linkedAt = new Date(now()).toISOString();
    for (const entry of known) {
      if (entry.link === undefined) {
        statements.insert.run(entry.key, entry.kind, target.subjectId, target.anchored ? 1 : 0, linkedAt);
      } else if (entry.link.subject_id !== target.subjectId && target.anchored && entry.link.anchored === 0) {
        statements.merge.run(target.subjectId, entry.link.subject_id);
      }
    }
    return { subjectId: target.subjectId, erased: false };
  };

  return {
    resolve: (identifiers) => decide(identifiers, true),
    lookup: (identifiers) => decide(identifiers, false),
    resolveUploadedEmailHash(emailHash) {
      const resolution = decide({ email: emailHash }, false);
      if (resolution.erased || resolution.subjectId === null) return null;
      const key = subjectIdFor(options.hostSecret, emailHash);
      return statements.link.get(key) === undefined ? null : resolution.subjectId;
    },
    erase(subjectId) {
      const at = new Date(now()).toISOString();
      return db.transaction(() => {
        statements.moveToTombstones.run(at, subjectId);
        // The subject id itself is tombstoned too, so `isErased` holds even for a subject with no links left.
        statements.tombstoneSubject.run(`subject:${subjectId}`, subjectId, at);
        return statements.deleteLinks.run(subjectId).changes;
      })();
    },
    isErased: (subjectId) => statements.erasedSubject.get(subjectId) !== undefined,
    linkCount: () => statements.count.get()?.n ?? 0,
    close() {
      if (owned) db.close();
    },
  };
}

function migrate(db: Database.Database): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS identity_links (
      identifier_key TEXT PRIMARY KEY,
      kind TEXT NOT NULL,
      subject_id TEXT NOT NULL,
      anchored INTEGER NOT NULL,
      linked_at TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS identity_links_subject ON identity_links (subject_id);
    CREATE TABLE IF NOT EXISTS identity_erased (
      identifier_key TEXT PRIMARY KEY,
      subject_id TEXT NOT NULL,
      erased_at TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS identity_erased_subject ON identity_erased (subject_id);
  `);
}
