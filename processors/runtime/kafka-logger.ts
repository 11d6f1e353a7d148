/**
 * Routes KafkaJS's own logging through one small callback at a chosen level, so its chatter stays out of our
 * output. KafkaJS log entries carry protocol context (broker, group, topic), never message payloads.
 */
import kafkajs from 'kafkajs';
import type { LogEntry, logCreator } from 'kafkajs';

const { logLevel } = kafkajs;

/** The levels a Kafka log may report at; `nothing` silences KafkaJS entirely. */
export type KafkaLogLevel = 'nothing' | 'error' | 'warn' | 'info' | 'debug';

/** One KafkaJS log line as handed to `onLog`. */
export interface KafkaLogLine {
  level: Exclude<KafkaLogLevel, 'nothing'>;
  namespace: string;
  message: string;
  /** Extra fields KafkaJS attached (broker, groupId, error text, retry counts). */
  fields: Record<string, unknown>;
}

const LEVELS: Record<KafkaLogLevel, number> = {
  nothing: logLevel.NOTHING,
  error: logLevel.ERROR,
  warn: logLevel.WARN,
  info: logLevel.INFO,
  debug: logLevel.DEBUG,
};

function levelName(level: number): KafkaLogLine['level'] {
  if (level <= logLevel.ERROR) return 'error';
  if (level === logLevel.WARN) return 'warn';
  if (level === logLevel.INFO) return 'info';
  return 'debug';
}

/** Writes a line to stderr as one JSON object (the default sink). */
function writeToStderr(line: KafkaLogLine): void {
  process.stderr.write(`${JSON.stringify({ source: 'kafkajs', ...line })}\n`);
}

/** The numeric KafkaJS level of a {@link KafkaLogLevel}. */
export function kafkaLogLevel(level: KafkaLogLevel): number {
  return LEVELS[level];
}

/**
 * KafkaJS logs, at ERROR, conditions it is about to retry: every error response (`Connection`), every failed
 * connection attempt (`BrokerPool`) and every failed send attempt. Those count as warnings here, so `error`
 * shows only failures that reach us (which also surface as rejected promises).
 */
function isRetriedCondition(namespace: string, message: string): boolean {
  return (
    namespace === 'Connection' ||
    namespace === 'BrokerPool' ||
    (namespace === 'Producer' && message.startsWith('Failed to send messages'))
  );
}

/** A KafkaJS `logCreator` that forwards entries at or above `level` to `sink` (stderr JSON by default). */
export function createKafkaLogCreator(
  level: KafkaLogLevel,
  sink: (line: KafkaLogLine) => void = writeToStderr,
): logCreator {
  const threshold = LEVELS[level];
  return () =>
    ({ namespace, level: entryLevel, log }: LogEntry) => {
      const retried = entryLevel === logLevel.ERROR && isRetriedCondition(namespace, log.message);
      const effective = retried ? logLevel.WARN : entryLevel;
      if (effective > threshold) return;
      const {
        message,
        timestamp: _timestamp,
        logger: _logger,
        ...fields
      } = log as typeof log & { logger?: unknown };
      sink({ level: levelName(effective), namespace, message, fields });
    };
}

/**
 * A writer for the log's own lines (a consumer's recovered errors) that goes where KafkaJS's lines go and
 * passes only lines at or above `level`.
 */
export function createLogLineWriter(
  level: KafkaLogLevel,
  sink: (line: KafkaLogLine) => void = writeToStderr,
): (line: KafkaLogLine) => void {
  const threshold = LEVELS[level];
  return (line) => {
    if (LEVELS[line.level] <= threshold) sink(line);
  };
}
