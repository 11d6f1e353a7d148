/**
 * The whole pipeline (ingest, fraud, segments, attribution, triggers) in its own process on an embedded log
 * file, for the SIGKILL crash-consistency test. Prints JSON lines: `ready`, `progress` (every 200 ms, with
 * the ingest counters of this process) and `caught-up` once every stage has read its input to the end (again
 * after each batch of new input, with the ingest counters).
 * SIGTERM stops it cleanly.
 *
 * Usage: node --import tsx test/reliability/support/pipeline-child.ts '{"logPath":..,"dataDir":..,"secretsDir":..}'
 */
import { appendFileSync } from 'node:fs';
import { loadOrCreateSecrets } from '../../../policies/index.ts';
import { createPipeline } from '../../../processors/index.ts';
import { createEmbeddedLog, createKafkaLog } from '../../../processors/runtime/index.ts';
import type { Log } from '../../../processors/runtime/index.ts';

/** The child's configuration (one JSON argument). */
export interface PipelineChildConfig {
  /** The embedded log file, or `brokers` for Kafka. */
  logPath?: string;
  brokers?: string;
  dataDir: string;
  /** Where `secrets/host.key` lives, shared by the runs that must produce the same subject ids. */
  secretsDir: string;
  /** Append KafkaJS log lines at `info` and above to this file (one JSON line each), for diagnosis. */
  kafkaLogFile?: string;
}

const config = JSON.parse(process.argv[2] ?? '{}') as PipelineChildConfig;
const print = (line: object): void => void process.stdout.write(`${JSON.stringify(line)}\n`);
const kafkaLogFile = config.kafkaLogFile;
// A killed member must not hold its partitions for the default 10 s session.
const log: Log = config.brokers
  ? createKafkaLog({
      brokers: config.brokers,
      clientId: `reliability-pipeline-${process.pid}`,
      ...(kafkaLogFile === undefined
        ? {}
        : {
            logLevel: 'info' as const,
            onLog: (line) => appendFileSync(kafkaLogFile, `${JSON.stringify({ at: Date.now(), ...line })}\n`),
          }),
    })
  : createEmbeddedLog({
      path: config.logPath ?? '',
      pollIntervalMs: 20,
      heartbeatIntervalMs: 200,
      sessionTimeoutMs: 1_500,
    });
const pipeline = createPipeline({
  log,
  dataDir: config.dataDir,
  secrets: loadOrCreateSecrets(config.secretsDir),
  idleTimeoutMs: 0,
  onError: (stage, error) => print({ event: 'stage-error', stage, message: String(error) }),
});
await pipeline.start();
print({ event: 'ready', pid: process.pid });
// The ingest count of the last `caught-up` line: the line is printed again once new input was read to the end.
let reportedProcessed: number | undefined;
const poll = setInterval(() => {
  const ingest = pipeline.stats().ingest;
  print({ event: 'progress', processed: ingest.processed });
  pipeline
    .caughtUp()
    .then((done) => {
      const { processed } = pipeline.stats().ingest;
      if (!done || processed === reportedProcessed) return;
      print({ event: 'caught-up', ingest: pipeline.stats().ingest });
      reportedProcessed = processed;
    })
    .catch(() => undefined);
}, 200);
process.on('SIGTERM', () => {
  clearInterval(poll);
  void pipeline
    .stop()
    .then(() => log.close())
    .then(() => process.exit(0));
});
