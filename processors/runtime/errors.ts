/** Errors of the processor runtime (the log and its implementations). */
import { LocatedError } from './located-error.ts';
import type { LocatedErrorContext } from './located-error.ts';

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
export interface LogErrorContext extends LocatedErrorContext {
  groupId?: string;
}

/** An error of the log, carrying a code, whether it is retriable, and the topic, partition and offset. */
export class LogError extends LocatedError<LogErrorCode> {
  override readonly name = 'LogError';
  readonly groupId: string | undefined;

  constructor(code: LogErrorCode, message: string, context: LogErrorContext = {}) {
    super(code, message, context);
    this.groupId = context.groupId;
  }
}

/** Whether a value is a {@link LogError}. */
export function isLogError(value: unknown): value is LogError {
  return value instanceof LogError;
}
