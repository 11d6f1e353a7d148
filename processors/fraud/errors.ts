/** Errors of the fraud processor, on the processors' shared base (processors/runtime/processor-errors.ts). */
import { ProcessorError } from '../runtime/index.ts';
import type { ProcessorErrorContext } from '../runtime/index.ts';

/** Closed set of fraud error codes. */
export type FraudErrorCode = 'INVALID_INPUT' | 'STATE_CORRUPT' | 'WRONG_PARTITION_COUNT';

/** Where the error happened, when known. */
export type FraudErrorContext = ProcessorErrorContext;

/** An error of the fraud processor. */
export class FraudError extends ProcessorError<FraudErrorCode> {
  override readonly name = 'FraudError';
}
