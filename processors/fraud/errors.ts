/** Errors of the fraud processor. */

/** Closed set of fraud error codes. */
export type FraudErrorCode = 'INVALID_INPUT' | 'STATE_CORRUPT' | 'WRONG_PARTITION_COUNT';

/** Where the error happened, when known. */
export interface FraudErrorContext {
  topic?: string;
  partition?: number;
  offset?: number;
  retriable?: boolean;
  cause?: unknown;
}

/** An error of the fraud processor. */
export class FraudError extends Error {
  override readonly name = 'FraudError';
  readonly code: FraudErrorCode;
  readonly retriable: boolean;
  readonly topic: string | undefined;
  readonly partition: number | undefined;
  readonly offset: number | undefined;

  constructor(code: FraudErrorCode, message: string, context: FraudErrorContext = {}) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.code = code;
    this.retriable = context.retriable ?? false;
    this.topic = context.topic;
    this.partition = context.partition;
    this.offset = context.offset;
  }
}
