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
import { count, eq, sql } from 'drizzle-orm';
import type Database from 'better-sqlite3';
import {
  adoptDatabase,
  identityErased,
  identityLinks,
  openDatabase,
  placeholder as p,
  prepareRendered,
} from '../../schema/db/index.ts';
import { IDENTIFIER_KINDS } from './identifiers.ts';
import type { IdentifierHashes, IdentifierKind } from './identifiers.ts';

/** A path to ingest's SQLite file, or the open database of it (shared with ingest's other state). */
export type DatabaseInput = string | Database.Database;
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
  const owned = typeof input === 'string';
  const { db: orm, sqlite: db } =
    typeof input === 'string' ? openDatabase(input, 'ingest', { private: true }) : adoptDatabase(input);
  const now = options.now ?? Date.now;
  const links = identityLinks;
  const erased = identityErased;
  // Ingest resolves every event's identifiers: per-record statements, drizzle-rendered and run raw
  // (schema/db/prepare-rendered.ts says what drizzle's own call costs per row).
  const q = (query: Parameters<typeof prepareRendered>[1], names: readonly string[]) =>
    prepareRendered(db, query, names);
  const statements = {
    link: q(
      orm
        .select({ subject_id: links.subjectId, anchored: links.anchored })
        .from(links)
        .where(eq(links.identifierKey, p('key'))),
      ['key'],
    ) as Database.Statement<[string], LinkRow>,
    tombstone: q(
      orm
        .select({ subject_id: erased.subjectId })
        .from(erased)
        .where(eq(erased.identifierKey, p('key'))),
      ['key'],
    ) as Database.Statement<[string], { subject_id: string }>,
    insert: q(
      orm.insert(links).values({
        identifierKey: p('key'),
        kind: p('kind'),
        subjectId: p('subject'),
        anchored: p('anchored'),
        linkedAt: p('at'),
      }),
      ['key', 'kind', 'subject', 'anchored', 'at'],
    ),
    merge: q(
      orm
        .update(links)
        .set({ subjectId: sql`${p('target')}`, anchored: sql`1` })
        .where(sql`${links.subjectId} = ${p('source')} AND ${links.anchored} = 0`),
      ['target', 'source'],
    ),
    erasedSubject: q(
      orm
        .select({ n: sql`1` })
        .from(erased)
        .where(eq(erased.subjectId, p('subject')))
        .limit(p('limit')),
      ['subject', 'limit'],
    ),
    anyTombstone: q(
      orm
        .select({ n: sql`1` })
        .from(erased)
        .limit(p('limit')),
      ['limit'],
    ),
  };
  const moveToTombstones = (at: string, subjectId: string): void =>
    void orm
      .insert(erased)
      .select(
        orm
          .select({
            identifierKey: links.identifierKey,
            subjectId: links.subjectId,
            erasedAt: sql`${at}`.as('erased_at'),
          })
          .from(links)
          .where(eq(links.subjectId, subjectId)),
      )
      .onConflictDoNothing()
      .run();

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
    const anyTombstone = statements.anyTombstone.get(1) !== undefined;
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
        moveToTombstones(at, subjectId);
        // The subject id itself is tombstoned too, so `isErased` holds even for a subject with no links left.
        orm
          .insert(erased)
          .values({ identifierKey: `subject:${subjectId}`, subjectId, erasedAt: at })
          .onConflictDoNothing()
          .run();
        return orm.delete(links).where(eq(links.subjectId, subjectId)).run().changes;
      })();
    },
    isErased: (subjectId) => statements.erasedSubject.get(subjectId, 1) !== undefined,
    linkCount: () => orm.select({ n: count() }).from(links).get()?.n ?? 0,
    close() {
      if (owned) db.close();
    },
  };
}
