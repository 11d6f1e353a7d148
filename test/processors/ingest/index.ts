/** Test helpers of the ingest area, shared with the integration suites (test/integration/ingest-*.test.ts). */
export { bulkMessages } from './bulk-messages.ts';
export type { BulkMessage } from './bulk-messages.ts';
export {
  adClick,
  interaction,
  loyalty,
  purchase,
  rawRecord,
  testSecrets,
  createTestContext,
} from './fixtures.ts';
export {
  INGEST_OUTPUT_TOPICS,
  captureLogger,
  collectOutputs,
  openLog,
  produceRaw,
  startIngest,
} from './ingest-harness.ts';
export type { OutputCollector } from './ingest-harness.ts';
export { needlesOf, piiMessage } from './pii-arbitraries.ts';
export type { PiiMessage } from './pii-arbitraries.ts';
