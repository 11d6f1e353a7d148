/**
 * Errors of processors and their host (the log's own errors are `LogError` in errors.ts): one base class for
 * every processor area, as KafkaJS's errors carry whether they are retriable and where they happened. An area
 * names its own closed set of codes: `class FraudError extends ProcessorError<FraudErrorCode>`.
 */
import { LocatedError } from './located-error.ts';
import type { LocatedErrorContext } from './located-error.ts';

/** Codes of the runtime's own processor errors. */
export type ProcessorErrorCode =
  'INVALID_DEFINITION' | 'INVALID_RECORD' | 'HANDLER_FAILED' | 'STATE_FAILED' | 'PRODUCE_FAILED' | 'STOPPED';

/** Where a processor error happened, when known. */
export interface ProcessorErrorContext extends LocatedErrorContext {
  processor?: string;
  /** File and field of a bad definition or record. */
  file?: string;
  field?: string;
  segmentId?: string;
  campaignId?: string;
}

/** An error of a processor: a code of its area's closed set, whether it is retriable, and where it happened. */
export class ProcessorError<Code extends string = ProcessorErrorCode> extends LocatedError<Code> {
  override readonly name: string = 'ProcessorError';
  readonly processor: string | undefined;
  readonly file: string | undefined;
  readonly field: string | undefined;
  readonly segmentId: string | undefined;
  readonly campaignId: string | undefined;

  constructor(code: Code, message: string, context: ProcessorErrorContext = {}) {
    super(code, message, context);
    this.processor = context.processor;
    this.file = context.file;
    this.field = context.field;
    this.segmentId = context.segmentId;
    this.campaignId = context.campaignId;
  }

  /** Where it happened, for logs (no cause, no payload). */
  get context(): Omit<ProcessorErrorContext, 'cause' | 'retriable'> {
    const { processor, topic, partition, offset, file, field, segmentId, campaignId } = this;
    return Object.fromEntries(
      Object.entries({ processor, topic, partition, offset, file, field, segmentId, campaignId }).filter(
        ([, value]) => value !== undefined,
      ),
    );
  }
}

/** Whether a value is a {@link ProcessorError} (of any processor area). */
export function isProcessorError(value: unknown): value is ProcessorError<string> {
  return value instanceof ProcessorError;
}

/**
 * Thrown by a processor's `parse` to refuse a record with the field at fault and a reason; the host sends it to
 * the dead-letter topic with both. The reason must not quote the input (it may hold PII).
 */
export class RecordRejectedError extends ProcessorError {
  override readonly name = 'RecordRejectedError';
  override readonly field: string;
  readonly reason: string;

  constructor(field: string, reason: string) {
    super('INVALID_RECORD', `${field} ${reason}`, { field });
    this.field = field;
    this.reason = reason;
  }
}
