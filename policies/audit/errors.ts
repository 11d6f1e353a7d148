/** The closed set of audit-log error codes. */
export type AuditErrorCode =
  | 'APPEND_FAILED'
  | 'INVALID_ENTRY'
  | 'PII_REJECTED'
  | 'INVALID_RANGE'
  | 'NOT_FOUND'
  | 'SIGNING_KEY'
  | 'SIGNING_FAILED'
  | 'STORAGE'
  | 'CLOSED';

/** What an audit error is about, when it is about something specific. No PII ever goes here. */
export interface AuditErrorContext {
  /** The sequence number concerned (entry, proof index or tree size). */
  sequence?: number;
  /** The entry field that was refused. */
  field?: string;
  /** A file involved (the database or the signing key). */
  file?: string;
}

/**
 * Base class of every error the audit log raises (in the style of jose's `JOSEError`).
 * `APPEND_FAILED` from `append` means the decision was NOT logged: the caller must fail the request.
 */
export class AuditError extends Error {
  readonly code: AuditErrorCode;
  readonly context: AuditErrorContext;

  constructor(
    code: AuditErrorCode,
    message: string,
    options?: { cause?: unknown; context?: AuditErrorContext },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.context = options?.context ?? {};
  }
}
