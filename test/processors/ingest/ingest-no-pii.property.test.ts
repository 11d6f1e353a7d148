import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Ingest } from '../../../processors/ingest/index.ts';
import type { Log } from '../../../processors/runtime/index.ts';
import { createTempDir, removeTempDir } from '../../helpers/temp-dir.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { captureLogger, collectOutputs, openLog, startIngest } from './ingest-harness.ts';
import type { OutputCollector } from './ingest-harness.ts';
import { needlesOf, piiMessage } from './pii-arbitraries.ts';

describe('the full ingest never lets PII through (generated events on the embedded log)', () => {
  let dir: string;
  let log: Log;
  let ingest: Ingest | undefined;
  let outputs: OutputCollector | undefined;
  beforeEach(() => {
    dir = createTempDir('ingest-pii');
    log = openLog(dir);
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await outputs?.stop();
    await ingest?.stop();
    await log.close();
    removeTempDir(dir);
  });

  it('no raw identifier or plain SHA-256 of one in any cleanroom.* record or any log line', async () => {
    const lines: string[] = [];
    for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      vi.spyOn(console, method).mockImplementation(
        (...args: unknown[]) => void lines.push(args.map(String).join(' ')),
      );
    }
    const messages = fc.sample(piiMessage, { numRuns: 400, seed: 424242 });
    ingest = await startIngest(log, dir, { logger: captureLogger(lines), maxBatchSize: 50 });
    outputs = await collectOutputs(log, 'pii-reader');
    for (const message of messages) await log.produce(message.topic, [{ key: null, value: message.value }]);
    await waitFor(() => ingest!.stats().processed === messages.length, { timeout: 30_000 });
    const stats = ingest.stats();
    const expectedOutputs = stats.events + stats.deadLettered + stats.consentChanges + stats.campaigns;
    await waitFor(() => outputs!.records.length === expectedOutputs, { timeout: 30_000 });
    expect(stats.events).toBeGreaterThan(100);
    expect(stats.deadLettered).toBeGreaterThan(10);

    const haystack = [
      ...outputs.records.map((record) => `${record.key} ${record.value} ${JSON.stringify(record.headers)}`),
      ...lines,
    ].join('\n');
    const needles = needlesOf(messages.flatMap((message) => message.pii));
    const leaked = needles.filter((needle) => haystack.includes(needle));
    expect(leaked).toEqual([]);
    expect(lines.length).toBeGreaterThan(0);
  });
});
