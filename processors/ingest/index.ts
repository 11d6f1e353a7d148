/**
 * The public face of processors/ingest: the front door that validates raw events, resolves identity, applies
 * consent, enriches and strips every raw identifier before anything reaches `cleanroom.*`.
 */
export { createIngest } from './ingest.ts';
export { createRawRetention } from './raw-retention.ts';
export type { RawRetention, RawRetentionOptions } from './raw-retention.ts';
export type { Ingest, IngestOptions, IngestStats, IngestLogger } from './ingest.ts';
export { transformRecord, INGEST_PROCESSOR_NAME } from './transform.ts';
export type { TransformContext, SeenSet } from './transform.ts';
export type { IngestOutput, RecordOutcome, TransformResult } from './outputs.ts';
export { createIngestProcessor } from './ingest-processor.ts';
export type { IngestProcessorOptions } from './ingest-processor.ts';
export { createSeenSet } from './seen-set.ts';
export type { PrunableSeenSet } from './seen-set.ts';
export { INGEST_EVENTS } from './instrumentation.ts';
export type { IngestEventName } from './instrumentation.ts';
export { DEFAULT_DATACENTER_CIDRS } from './datacenter-cidrs.ts';
export { createIpClassifier, parseIp } from './ip.ts';
export type { IpClassifier, ParsedIp } from './ip.ts';
export { classifyUserAgent } from './user-agent.ts';
export type { AgentClass } from './user-agent.ts';
export { enrichTraffic } from './traffic.ts';
export { IngestError } from './errors.ts';
export type { IngestErrorCode } from './errors.ts';
