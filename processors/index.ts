/** The public face of processors/: the composed pipeline. Each processor area has its own index.ts. */
export { createPipeline, createPipelineTopics } from './pipeline.ts';
export type { Pipeline, PipelineOptions, PipelineStats } from './pipeline.ts';
export { DEFAULT_TOPIC_RETENTION, pipelineTopicCleanup } from './topic-retention.ts';
export type { TopicRetentionSettings } from './topic-retention.ts';
