/** Errors of the segments processor, on the processors' shared base (processors/runtime/processor-errors.ts). */
import { ProcessorError } from '../runtime/index.ts';
import type { ProcessorErrorContext } from '../runtime/index.ts';

/** Closed set of segment error codes. */
export type SegmentErrorCode = 'INVALID_DEFINITION' | 'INVALID_INPUT';

/** Where the error happened, when known. */
export type SegmentErrorContext = ProcessorErrorContext;

/** An error of the segments processor: a bad definition file (with file and field) or a bad input. */
export class SegmentError extends ProcessorError<SegmentErrorCode> {
  override readonly name = 'SegmentError';
}
