/**
 * A segments processor host in its own process, for the SIGKILL restart test. Prints `{"event":"ready"}` once
 * joined and `{"event":"caught-up", ...stats}` whenever all input is processed and the outbox is empty.
 *
 * Usage: node --import tsx test/integration/processor-restart-child.ts '<json config>'
 */
import {
  MS,
  createEmbeddedLog,
  createKafkaLog,
  createProcessorHost,
} from '../../processors/runtime/index.ts';
import type { Log } from '../../processors/runtime/index.ts';
import {
  EXAMPLE_SEGMENTS_DIR,
  createSegmentProcessor,
  loadSegmentDefinitions,
} from '../../processors/segments/index.ts';

/** The child's configuration (one JSON argument). */
export interface RestartChildConfig {
  brokers?: string;
  logPath?: string;
  stateDir: string;
  groupId: string;
  eventsTopic: string;
  consentTopic: string;
  outputTopic: string;
  sideTopicPrefix: string;
}

const config = JSON.parse(process.argv[2] ?? '{}') as RestartChildConfig;
const log: Log = config.brokers
  ? createKafkaLog({ brokers: config.brokers, clientId: config.groupId })
  : createEmbeddedLog({ path: config.logPath ?? '' });
const print = (line: object): void => void process.stdout.write(`${JSON.stringify(line)}\n`);

const host = createProcessorHost({
  log,
  name: 'segments',
  groupId: config.groupId,
  inputTopics: [config.eventsTopic, config.consentTopic],
  stateDir: config.stateDir,
  processor: createSegmentProcessor({
    definitions: loadSegmentDefinitions(EXAMPLE_SEGMENTS_DIR),
    eventsTopic: config.eventsTopic,
    consentTopic: config.consentTopic,
    outputTopic: config.outputTopic,
  }),
  eventTime: { maxOutOfOrdernessMs: 15 * MS.minute, allowedLatenessMs: 15 * MS.minute },
  sideTopics: { lateEvents: `${config.sideTopicPrefix}late`, deadLetter: `${config.sideTopicPrefix}dead` },
  // Small batches: many transactions, so a kill lands mid-stream.
  maxBatchSize: 25,
});
await host.start();
print({ event: 'ready', pid: process.pid });
const poll = setInterval(() => {
  host
    .caughtUp()
    .then((done) => {
      if (done) print({ event: 'caught-up', ...host.stats() });
    })
    .catch(() => undefined);
}, 200);
process.on('SIGTERM', () => {
  clearInterval(poll);
  void host
    .stop()
    .then(() => log.close())
    .then(() => process.exit(0));
});
