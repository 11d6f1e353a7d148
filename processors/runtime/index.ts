/** The public face of the processor runtime: the log interface and its two implementations. */
export type {
  LogKind,
  ProduceMessage,
  ProduceResult,
  LogRecord,
  RecordBatch,
  TopicPartition,
  TopicPartitionOffset,
  TopicOptions,
  ConsumerOptions,
  LogConsumer,
  Log,
} from './log.ts';
