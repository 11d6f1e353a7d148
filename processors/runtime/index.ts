/** The public face of the processor runtime: the log interface and its two implementations. */
export type {
  LogKind,
  ProduceMessage,
  ProduceResult,
  LogRecord,
  RecordBatch,
  TopicPartition,
  TopicPartitionOffset,
  TopicCleanup,
  TopicCleanupReport,
  TopicOptions,
  ConsumerOptions,
  LogConsumer,
  Log,
} from './log.ts';
// Event-time processing: watermarks, windows, timers, keyed SQLite state, the processor host (issue 6).
export { createWatermarkTracker } from './watermark.ts';
export type { WatermarkOptions, WatermarkState, WatermarkTracker, Timeliness } from './watermark.ts';
export {
  MS,
  tumblingWindow,
  slidingWindows,
  inRelativeWindow,
  withinLast,
  betweenAgo,
  relativeWindowBoundaries,
  relativeWindowHorizon,
  utcDay,
} from './windows.ts';
export type { TimeWindow, RelativeWindow } from './windows.ts';
export { createTimerService } from './timers.ts';
export type { TimerService } from './timers.ts';
export { openStateStore } from './state/state-store.ts';
export type { StateStore, StateStoreOptions, StoredTimer, OutboxEntry } from './state/state-store.ts';
export type {
  Processor,
  ProcessorContext,
  RecordContext,
  TimerContext,
  FiredTimer,
  KeyedState,
  StateAccess,
  ProcessorOutput,
  ProcessorMemory,
  EventTimeOptions,
} from './processor.ts';
export { createProcessorTask } from './processor-task.ts';
export type { ProcessorTask, ProcessorTaskOptions, TaskStats, SideTopics } from './processor-task.ts';
export { createProcessorHost } from './processor-host.ts';
export type { HostLayout } from './processor-host.ts';
export { byKind } from './by-kind.ts';
export type { KindHandlers } from './by-kind.ts';
export { defineMergedStage } from './merged-stage-host.ts';
export type { MergedStage, StageHostOptions } from './merged-stage-host.ts';
export { OUTPUT_ID_HEADER, produceStoreOutbox } from './store-outbox.ts';
export { HOST_EVENTS } from './host-events.ts';
export type { HostEventName, HostEventListener } from './host-events.ts';
export { partitionKey } from './partition-key.ts';
export { prefixTopics, stageTopics } from './prefix-topics.ts';
export { deadLetterOf, describeParseError, sanitizeReason } from './dead-letter.ts';
export {
  PRODUCER_HEADER,
  SEQUENCE_HEADER,
  createRepeatFilter,
  newProducerEpoch,
  producerEpochOf,
  producerHeaders,
} from './producer-sequence.ts';
export type { AppliedSequences, RepeatFilter } from './producer-sequence.ts';
export { createOrderedMerge, takeMerged } from './ordered-merge.ts';
export type { OrderedMerge, OrderedMergeOptions, PushResult } from './ordered-merge.ts';
export type { ProcessorHost, ProcessorHostOptions, HostStats } from './processor-host.ts';
export { measureProcessor, measureProcessorOnLog } from './measure-processor.ts';
export { measureRate } from './measure-rate.ts';
export type { MeasuredRate } from './measure-rate.ts';
export type {
  MeasureRecord,
  ProcessorMeasurement,
  MeasureProcessorOptions,
  MeasureOnLogOptions,
} from './measure-processor.ts';
export { ProcessorError, RecordRejectedError, isProcessorError } from './processor-errors.ts';
export type { ProcessorErrorCode, ProcessorErrorContext } from './processor-errors.ts';
export { createEmbeddedLog } from './embedded-log.ts';
export { createLogCleaner } from './log-cleaner.ts';
export type { LogCleaner, LogCleanerOptions } from './log-cleaner.ts';
export type { EmbeddedLogOptions } from './embedded-log.ts';
export { createKafkaLog } from './kafka-log.ts';
export type { KafkaLogOptions } from './kafka-log.ts';
export { createKafkaLogCreator } from './kafka-logger.ts';
export type { KafkaLogLevel, KafkaLogLine } from './kafka-logger.ts';
export { createLogFromEnv } from './create-log.ts';
export type { LogFromEnvOptions } from './create-log.ts';
export { LogError, isLogError } from './errors.ts';
export type { LogErrorCode, LogErrorContext } from './errors.ts';
export { murmur2, toPositive, partitionForKey, createPartitionChooser } from './murmur2.ts';
export type { PartitionChooser } from './murmur2.ts';
