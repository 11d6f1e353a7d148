/**
 * One audit entry: a policy decision as it is logged, and the canonical bytes that become its Merkle leaf.
 * Entries hold ids, names, digests and counts only; a guard refuses strings that look like an email
 * address or a phone number, so a caller's mistake fails loudly instead of writing PII into a log that can
 * never be rewritten.
 */
import { createHash, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { canonicalJson } from './canonical-json.ts';
import type { JsonValue } from './canonical-json.ts';
import { AuditError } from './errors.ts';

/** Version of the stored entry format, part of every leaf. */
export const AUDIT_ENTRY_FORMAT = 1;

const nonEmpty = z.string().min(1).max(512);
const count = z.number().int().nonnegative();

/** Zod schema of what a caller hands to `append` (validated at this edge). */
export const auditDecisionSchema = z.object({
  decisionId: nonEmpty.optional(),
  at: z.union([z.date(), z.iso.datetime({ offset: true })]).optional(),
  // role is null for a caller that could not be authenticated.
  principal: z.object({ id: nonEmpty, role: nonEmpty.nullable() }),
  action: nonEmpty,
  resource: z.string().max(2048),
  inputDigest: z.string().regex(/^[0-9a-f]{64}$/, 'must be a lower-case hex SHA-256'),
  effect: nonEmpty,
  // Why a request was refused (FORBIDDEN, UNAUTHENTICATED, BELOW_THRESHOLD, ...); null or absent when allowed.
  code: z.string().min(1).max(64).nullable().optional(),
  // Checked by the canonical encoding (finite numbers, plain JSON values only), far cheaper than a recursive schema.
  obligations: z.custom<JsonValue>((value) => value !== undefined, 'is required'),
  reasons: z.array(z.string().max(1024)),
  contractVersion: nonEmpty.nullable(),
  resultSummary: z
    .object({ rows: count, suppressedRows: count, epsilonSpent: z.number().nonnegative().finite() })
    .optional(),
});

/** A decision to log: what the engine decided and what the answer released (counts only). */
export type AuditDecision = z.input<typeof auditDecisionSchema>;

/** What an answer released: rows, rows suppressed below the threshold, epsilon spent. */
export interface ResultSummary {
  rows: number;
  suppressedRows: number;
  epsilonSpent: number;
}

/** What an entry and its JSON view ({@link AuditEntryJSON}) both hold. */
interface AuditEntryFields {
  /** Position in the log, 0-based and contiguous; also the leaf index in the Merkle tree. */
  sequence: number;
  /** ISO-8601 time of the decision. */
  at: string;
  principal: { id: string; role: string | null };
  action: string;
  resource: string;
  /** SHA-256 (hex) of the canonical request; see `digestRequest`. */
  inputDigest: string;
  effect: string;
  /** The error code of a refusal, null otherwise. */
  code: string | null;
  obligations: JsonValue;
  reasons: string[];
  contractVersion: string | null;
  resultSummary: ResultSummary;
}

/** A logged decision, exactly as its canonical JSON bytes are stored and hashed. */
export interface AuditEntry extends AuditEntryFields {
  formatVersion: typeof AUDIT_ENTRY_FORMAT;
  decisionId: string;
}

const EMAIL_PATTERN = /[^\s@"]+@[^\s@"]+\.[a-z]{2,}/i;
const PHONE_PATTERN = /\+\d{8,15}(?!\d)/;

function rejectPii(value: JsonValue, field: string): void {
  if (typeof value === 'string') {
    if (
      (value.includes('@') && EMAIL_PATTERN.test(value)) ||
      (value.includes('+') && PHONE_PATTERN.test(value))
    ) {
      throw new AuditError(
        'PII_REJECTED',
        `audit entry field ${field} looks like an email address or phone number`,
        {
          context: { field },
        },
      );
    }
  } else if (Array.isArray(value)) {
    value.forEach((item: JsonValue, index) => rejectPii(item, `${field}[${index}]`));
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) rejectPii(item, `${field}.${key}`);
  }
}

/**
 * Validate a decision and build the entry at `sequence`.
 *
 * @throws AuditError `INVALID_ENTRY` (with the field) or `PII_REJECTED`.
 */
export function buildAuditEntry(decision: AuditDecision, sequence: number, now: () => Date): AuditEntry {
  const parsed = auditDecisionSchema.safeParse(decision);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue === undefined ? '' : issue.path.join('.');
    throw new AuditError(
      'INVALID_ENTRY',
      `invalid audit entry field ${field}: ${issue?.message ?? 'invalid'}`,
      {
        context: { field },
      },
    );
  }
  const input = parsed.data;
  const at = input.at === undefined ? now() : input.at;
  const entry: AuditEntry = {
    formatVersion: AUDIT_ENTRY_FORMAT,
    sequence,
    decisionId: input.decisionId ?? randomUUID(),
    at: typeof at === 'string' ? new Date(at).toISOString() : at.toISOString(),
    principal: { id: input.principal.id, role: input.principal.role },
    action: input.action,
    resource: input.resource,
    inputDigest: input.inputDigest,
    effect: input.effect,
    code: input.code ?? null,
    obligations: input.obligations,
    reasons: [...input.reasons],
    contractVersion: input.contractVersion,
    resultSummary: input.resultSummary ?? { rows: 0, suppressedRows: 0, epsilonSpent: 0 },
  };
  rejectPii(entry as unknown as JsonValue, 'entry');
  return entry;
}

/** The canonical JSON bytes of an entry: the Merkle leaf input. */
export function encodeAuditEntry(entry: AuditEntry): Buffer {
  return Buffer.from(canonicalJson(entry), 'utf8');
}

/**
 * The input digest of a request: SHA-256 (hex) of its canonical JSON. Hash the request after identifiers
 * have been replaced by pseudonyms; the digest lets an auditor match a request without the log holding it.
 */
export function digestRequest(request: unknown): string {
  return createHash('sha256').update(canonicalJson(request), 'utf8').digest('hex');
}

/** A topic- and GraphQL-friendly view of an entry (`PolicyDecision`): `id` is the decision id. */
export interface AuditEntryJSON extends AuditEntryFields {
  id: string;
}

/** Convert an entry to its topic-friendly JSON form. */
export function auditEntryToJSON(entry: AuditEntry): AuditEntryJSON {
  return {
    id: entry.decisionId,
    sequence: entry.sequence,
    at: entry.at,
    principal: { ...entry.principal },
    action: entry.action,
    resource: entry.resource,
    inputDigest: entry.inputDigest,
    effect: entry.effect,
    code: entry.code,
    obligations: entry.obligations,
    reasons: [...entry.reasons],
    contractVersion: entry.contractVersion,
    resultSummary: { ...entry.resultSummary },
  };
}
