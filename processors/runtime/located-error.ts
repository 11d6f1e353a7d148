/**
 * What the log's errors and the processors' errors share (KafkaJS's errors carry the same): a code of a closed
 * set, whether trying again may succeed, and the topic, partition and offset where it happened, when known.
 */

/** Where in the log an error happened, and whether it is retriable. */
export interface LocatedErrorContext {
  topic?: string;
  partition?: number;
  offset?: number;
  /** Whether trying again may succeed (a broker restart, a busy database). */
  retriable?: boolean;
  cause?: unknown;
}

/** The base of `LogError` and `ProcessorError`: each keeps its own name, codes and further context. */
export abstract class LocatedError<Code extends string> extends Error {
  readonly code: Code;
  readonly retriable: boolean;
  readonly topic: string | undefined;
  readonly partition: number | undefined;
  readonly offset: number | undefined;

  constructor(code: Code, message: string, context: LocatedErrorContext) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.code = code;
    this.retriable = context.retriable ?? false;
    this.topic = context.topic;
    this.partition = context.partition;
    this.offset = context.offset;
  }
}
