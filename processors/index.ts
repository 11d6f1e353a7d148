/** The public face of processors/: the composed pipeline. Each processor area has its own index.ts. */
export { createPipeline, createPipelineTopics } from './pipeline.ts';
export type { Pipeline, PipelineOptions, PipelineStats } from './pipeline.ts';
