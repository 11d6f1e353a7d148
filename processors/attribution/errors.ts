/** Errors of the attribution processor. */

/** Closed set of attribution error codes. */
export type AttributionErrorCode = 'INVALID_INPUT' | 'NOT_COPARTITIONED' | 'CAMPAIGNS_NOT_LOADED';

/** Where the error happened, when known. */
export interface AttributionErrorContext {
  topic?: string;
  partition?: number;
  offset?: number;
  campaignId?: string;
  retriable?: boolean;
  cause?: unknown;
}

/** An error of the attribution processor. */
export class AttributionError extends Error {
  override readonly name = 'AttributionError';
  readonly code: AttributionErrorCode;
  readonly retriable: boolean;
  readonly topic: string | undefined;
  readonly partition: number | undefined;
  readonly offset: number | undefined;
  readonly campaignId: string | undefined;

  constructor(code: AttributionErrorCode, message: string, context: AttributionErrorContext = {}) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.code = code;
    this.retriable = context.retriable ?? false;
    this.topic = context.topic;
    this.partition = context.partition;
    this.offset = context.offset;
    this.campaignId = context.campaignId;
  }
}
