/** Errors of the segments processor. */

/** Closed set of segment error codes. */
export type SegmentErrorCode = 'INVALID_DEFINITION' | 'INVALID_INPUT';

/** Where a segment error happened. */
export interface SegmentErrorContext {
  file?: string;
  field?: string;
  segmentId?: string;
  cause?: unknown;
}

/** An error of the segments processor: a bad definition file (with file and field) or a bad input. */
export class SegmentError extends Error {
  override readonly name = 'SegmentError';
  readonly code: SegmentErrorCode;
  readonly file: string | undefined;
  readonly field: string | undefined;
  readonly segmentId: string | undefined;

  constructor(code: SegmentErrorCode, message: string, context: SegmentErrorContext = {}) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.code = code;
    this.file = context.file;
    this.field = context.field;
    this.segmentId = context.segmentId;
  }
}
