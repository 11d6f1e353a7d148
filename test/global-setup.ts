/**
 * Vitest global setup: starts one real Kafka broker (scripts/kafka) for the whole run when any selected test
 * file uses test/helpers/kafka.ts, hands its address to tests through `provide('kafkaBrokers')`, and stops it at
 * teardown. Without Java or Maven the Kafka suites are skipped with a one-line reason, except under `CI=true`,
 * where a missing broker fails the run. PostgreSQL likewise, for files that use test/helpers/postgres.ts: the
 * server at `CLEANROOM_TEST_DATABASE_URL`, or a throwaway one started from the installed server binaries.
 */
import { readFileSync } from 'node:fs';
import type { TestProject } from 'vitest/node';
import {
  brokerUnavailableReason,
  freePort,
  startBroker,
  stopBroker,
} from '../scripts/kafka/broker-control.mjs';
import {
  postgresUnavailableReason,
  startPostgres,
  stopPostgres,
} from '../scripts/postgres/postgres-control.mjs';
import { createTempDir } from './helpers/temp-dir.ts';
import './helpers/kafka.ts';
import './helpers/postgres.ts';

async function selectedFilesUse(project: TestProject, helper: string): Promise<boolean> {
  try {
    // The command-line file filters (not part of the typed API; without them every file counts).
    const filters = (project.vitest as unknown as { filenamePattern?: string[] }).filenamePattern;
    const { testFiles } = await project.globTestFiles(filters);
    return testFiles.some((file) => readFileSync(file, 'utf8').includes(helper));
  } catch {
    return true;
  }
}

const ci = process.env.CI === 'true' || process.env.CI === '1';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const stopPostgresServer = await setupPostgres(project);
  const stopKafka = await setupKafka(project);
  return async () => {
    await stopKafka();
    await stopPostgresServer();
  };
}

/** The PostgreSQL server of the run: `CLEANROOM_TEST_DATABASE_URL`, or a throwaway one; returns its teardown. */
async function setupPostgres(project: TestProject): Promise<() => Promise<void>> {
  project.provide('postgresUrl', '');
  project.provide('postgresSkipReason', '');
  if (!(await selectedFilesUse(project, 'helpers/postgres.ts'))) return async () => {};
  const given = process.env['CLEANROOM_TEST_DATABASE_URL'];
  if (given !== undefined && given !== '') {
    console.log('postgres: using the server at CLEANROOM_TEST_DATABASE_URL');
    project.provide('postgresUrl', given);
    return async () => {};
  }
  const unavailable = postgresUnavailableReason();
  if (unavailable) {
    if (ci) throw new Error(`postgres: CI=true but no server can start: ${unavailable}`);
    console.log(`postgres: PostgreSQL suites skipped: ${unavailable}`);
    project.provide('postgresSkipReason', unavailable);
    return async () => {};
  }
  const dir = createTempDir('postgres');
  const server = await startPostgres({ port: await freePort(), dir, stopWithParent: process.pid });
  console.log(
    `postgres: ${server.version} started on port ${server.port} in ${(server.startedInMs / 1000).toFixed(1)}s`,
  );
  project.provide('postgresUrl', server.url);
  return async () => {
    await stopPostgres({ dir });
    console.log(`postgres: server on port ${server.port} stopped`);
  };
}

/** The Kafka broker of the run; returns its teardown. */
async function setupKafka(project: TestProject): Promise<() => Promise<void>> {
  project.provide('kafkaBrokers', '');
  project.provide('kafkaSkipReason', '');
  if (!(await selectedFilesUse(project, 'helpers/kafka.ts'))) return async () => {};
  const unavailable = brokerUnavailableReason();
  if (unavailable) {
    if (ci) throw new Error(`kafka: CI=true but no broker can start: ${unavailable}`);
    console.log(`kafka: Kafka suites skipped: ${unavailable}`);
    project.provide('kafkaSkipReason', unavailable);
    return async () => {};
  }
  const dir = createTempDir('kafka');
  let broker: Awaited<ReturnType<typeof startBroker>>;
  try {
    broker = await startBroker({ port: await freePort(), dir, stopWithParent: process.pid });
  } catch (error) {
    await stopBroker({ dir, graceMs: 2_000 });
    if (ci) throw error;
    const reason = `the broker did not start (${String(error).split('\n')[0]})`;
    console.log(`kafka: Kafka suites skipped: ${reason}`);
    project.provide('kafkaSkipReason', reason);
    return async () => {};
  }
  console.log(
    `kafka: broker ${broker.version} started on ${broker.brokers} in ${(broker.startedInMs / 1000).toFixed(1)}s`,
  );
  project.provide('kafkaBrokers', broker.brokers);
  return async () => {
    await stopBroker({ dir, graceMs: 5_000 });
    console.log(`kafka: broker on ${broker.brokers} stopped`);
  };
}
