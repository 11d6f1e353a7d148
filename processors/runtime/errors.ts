/** Errors of the processor runtime (the log and its implementations). */

/** Closed set of runtime error codes. */
export type LogErrorCode =
  | 'INVALID_ARGUMENT'
  | 'UNKNOWN_TOPIC'
  | 'TOPIC_CREATE_FAILED'
  | 'PRODUCE_FAILED'
  | 'FETCH_FAILED'
  | 'COMMIT_FAILED'
  | 'DELETE_FAILED'
  | 'HANDLER_FAILED'
  | 'GROUP_FAILED'
  | 'CONNECTION_FAILED'
  | 'CLOSED';

/** Where in the log an error happened, when known. */
export interface LogErrorContext {
  topic?: string;
  partition?: number;
  offset?: number;
  groupId?: string;
  /** Whether trying again may succeed (a broker restart, a busy database). */
  retriable?: boolean;
  cause?: unknown;
}

/** An error of the log, carrying a code, whether it is retriable, and the topic, partition and offset. */
export class LogError extends Error {
  override readonly name = 'LogError';
  readonly code: LogErrorCode;
  readonly retriable: boolean;
  readonly topic: string | undefined;
  readonly partition: number | undefined;
  readonly offset: number | undefined;
  readonly groupId: string | undefined;

  constructor(code: LogErrorCode, message: string, context: LogErrorContext = {}) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.code = code;
    this.retriable = context.retriable ?? false;
    this.topic = context.topic;
    this.partition = context.partition;
    this.offset = context.offset;
    this.groupId = context.groupId;
  }
}

/** Whether a value is a {@link LogError}. */
export function isLogError(value: unknown): value is LogError {
  return value instanceof LogError;
}
