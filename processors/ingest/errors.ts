/** Errors of the ingest processor. They carry where they happened and whether trying again may succeed. */

/** Every reason ingest can fail (bad input is not an error: it is dead-lettered). */
export type IngestErrorCode =
  'INVALID_OPTIONS' | 'INVALID_CIDR' | 'STATE_FAILED' | 'PRODUCE_FAILED' | 'STOPPED';

/** Where an ingest error happened. */
export interface IngestErrorContext {
  topic?: string;
  partition?: number;
  offset?: number;
  retriable?: boolean;
  cause?: unknown;
}

/** The base error of processors/ingest. */
export class IngestError extends Error {
  override readonly name = 'IngestError';
  readonly code: IngestErrorCode;
  readonly retriable: boolean;
  readonly topic: string | undefined;
  readonly partition: number | undefined;
  readonly offset: number | undefined;

  constructor(code: IngestErrorCode, message: string, context: IngestErrorContext = {}) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.code = code;
    this.retriable = context.retriable ?? false;
    this.topic = context.topic;
    this.partition = context.partition;
    this.offset = context.offset;
  }
}
