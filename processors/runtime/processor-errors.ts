/** Errors of processors and their host (the log's own errors are `LogError` in errors.ts). */

/** Closed set of processor error codes. */
export type ProcessorErrorCode =
  'INVALID_DEFINITION' | 'INVALID_RECORD' | 'HANDLER_FAILED' | 'STATE_FAILED' | 'PRODUCE_FAILED' | 'STOPPED';

/** Where a processor error happened, when known. */
export interface ProcessorErrorContext {
  processor?: string;
  topic?: string;
  partition?: number;
  offset?: number;
  /** File and field of a bad definition. */
  file?: string;
  field?: string;
  retriable?: boolean;
  cause?: unknown;
}

/** An error of a processor: a code, whether it is retriable, and where it happened. */
export class ProcessorError extends Error {
  override readonly name = 'ProcessorError';
  readonly code: ProcessorErrorCode;
  readonly retriable: boolean;
  readonly context: Omit<ProcessorErrorContext, 'cause' | 'retriable'>;

  constructor(code: ProcessorErrorCode, message: string, context: ProcessorErrorContext = {}) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    const { cause: _cause, retriable, ...rest } = context;
    this.code = code;
    this.retriable = retriable ?? false;
    this.context = rest;
  }
}

/** Whether a value is a {@link ProcessorError}. */
export function isProcessorError(value: unknown): value is ProcessorError {
  return value instanceof ProcessorError;
}

/**
 * Thrown by a processor's `parse` to refuse a record with the field at fault and a reason; the host sends it to
 * the dead-letter topic with both. The reason must not quote the input (it may hold PII).
 */
export class RecordRejectedError extends ProcessorError {
  readonly field: string;
  readonly reason: string;

  constructor(field: string, reason: string) {
    super('INVALID_RECORD', `${field} ${reason}`, { field });
    this.field = field;
    this.reason = reason;
  }
}
