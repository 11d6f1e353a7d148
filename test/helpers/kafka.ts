/**
 * What Kafka suites need: the address of the broker the global setup started (test/global-setup.ts), or the
 * one-line reason it could not start, and unique topic and group names.
 */
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** `127.0.0.1:PORT` of the test broker, or '' when none runs. */
    kafkaBrokers: string;
    /** Why no broker runs ('' when one does). */
    kafkaSkipReason: string;
  }
}

/** The test broker's address (`127.0.0.1:PORT`), or undefined when Kafka suites are skipped. */
export function kafkaBrokers(): string | undefined {
  const brokers = inject('kafkaBrokers');
  return brokers ? brokers : undefined;
}

/** Why Kafka suites are skipped (Java or Maven missing outside CI), or undefined when a broker runs. */
export function kafkaSkipReason(): string | undefined {
  if (kafkaBrokers()) return undefined;
  return inject('kafkaSkipReason') || 'no Kafka broker was started for this run';
}

/** A name no other test (or earlier run against the same broker) uses: `prefix-<time>-<random>`. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}
