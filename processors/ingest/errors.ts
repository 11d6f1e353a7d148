/** Errors of ingest, on the processors' shared base (processors/runtime/processor-errors.ts). Bad input is no error: it is dead-lettered. */
import { ProcessorError } from '../runtime/index.ts';
import type { ProcessorErrorContext } from '../runtime/index.ts';

/** Closed set of ingest error codes. */
export type IngestErrorCode =
  'INVALID_OPTIONS' | 'INVALID_CIDR' | 'STATE_FAILED' | 'PRODUCE_FAILED' | 'STOPPED';

/** Where the error happened, when known. */
export type IngestErrorContext = ProcessorErrorContext;

/** An error of ingest (bad input is not an error: it is dead-lettered). */
export class IngestError extends ProcessorError<IngestErrorCode> {
  override readonly name = 'IngestError';
}
