/**
 * What PostgreSQL suites need: the server the global setup found (`CLEANROOM_TEST_DATABASE_URL`) or started
 * (scripts/postgres), or the one-line reason there is none, and a fresh database per test.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A URL of the test server (any database on it), or '' when none runs. */
    postgresUrl: string;
    /** Why no server runs ('' when one does). */
    postgresSkipReason: string;
  }
}

/** The test server's URL, or undefined when PostgreSQL suites are skipped. */
export function postgresUrl(): string | undefined {
  const url = inject('postgresUrl');
  return url ? url : undefined;
}

/** Why PostgreSQL suites are skipped, or undefined when a server runs. */
export function postgresSkipReason(): string | undefined {
  if (postgresUrl()) return undefined;
  return inject('postgresSkipReason') || 'no PostgreSQL server was found or started for this run';
}

/** A database of its own on the test server. */
export interface TestDatabase {
  url: string;
  name: string;
  /** Drop it (closing every connection to it first). */
  drop(): Promise<void>;
}

/** Create an empty database no other test uses, named `<prefix>_<time>_<random>`. */
export async function createTestDatabase(prefix: string): Promise<TestDatabase> {
  const serverUrl = postgresUrl();
  if (serverUrl === undefined) throw new Error(postgresSkipReason());
  const name = `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`.toLowerCase();
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async drop() {
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}
