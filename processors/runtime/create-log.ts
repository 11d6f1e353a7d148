/** Chooses the log from the environment: Kafka when `KAFKA_BROKERS` is set, the embedded log otherwise. */
import { join } from 'node:path';
import { createEmbeddedLog } from './embedded-log.ts';
import type { EmbeddedLogOptions } from './embedded-log.ts';
import { createKafkaLog } from './kafka-log.ts';
import type { KafkaLogOptions } from './kafka-log.ts';
import type { Log } from './log.ts';

/** Extra options handed to whichever implementation the environment picks. */
export interface LogFromEnvOptions {
  embedded?: Partial<EmbeddedLogOptions>;
  kafka?: Omit<Partial<KafkaLogOptions>, 'brokers'>;
}

/**
 * `KAFKA_BROKERS=host:port[,host:port]` selects the Kafka log; otherwise the embedded log at
 * `<CLEANROOM_DATA_DIR or ./data>/log.sqlite`.
 *
 * @example
 * const log = createLogFromEnv(); // log.kind is 'kafka' or 'embedded'
 */
export function createLogFromEnv(env: NodeJS.ProcessEnv = process.env, options: LogFromEnvOptions = {}): Log {
  const brokers = env.KAFKA_BROKERS?.trim();
  if (brokers) return createKafkaLog({ ...options.kafka, brokers });
  const dataDir = env.CLEANROOM_DATA_DIR?.trim() || './data';
  return createEmbeddedLog({ path: join(dataDir, 'log.sqlite'), ...options.embedded });
}
