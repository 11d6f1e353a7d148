/** Errors of the attribution processor, on the processors' shared base (processors/runtime/processor-errors.ts). */
import { ProcessorError } from '../runtime/index.ts';
import type { ProcessorErrorContext } from '../runtime/index.ts';

/** Closed set of attribution error codes. */
export type AttributionErrorCode = 'INVALID_INPUT' | 'NOT_COPARTITIONED' | 'CAMPAIGNS_NOT_LOADED';

/** Where the error happened, when known. */
export type AttributionErrorContext = ProcessorErrorContext;

/** An error of the attribution processor. */
export class AttributionError extends ProcessorError<AttributionErrorCode> {
  override readonly name = 'AttributionError';
}
