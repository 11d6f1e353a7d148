/** Types of postgres-control.mjs: a throwaway PostgreSQL server for tests and benchmarks. */

/** A server that accepts connections. */
export interface StartedPostgres {
  /** A connection URL for the `cleanroom` superuser to the `postgres` database. */
  url: string;
  port: number;
  /** The folder holding its data, socket and log. */
  dir: string;
  /** `postgres --version`. */
  version: string;
  startedInMs: number;
}

export interface StartPostgresOptions {
  /** Port on 127.0.0.1. */
  port: number;
  /** Folder for the data, socket and log (wiped first). */
  dir: string;
  /** Stop the server and remove `dir` once this process id is gone. */
  stopWithParent?: number;
  /** How long to wait for it to start (default 60,000 ms). */
  timeoutMs?: number;
}

/** The folder holding `initdb`, `pg_ctl` and `postgres`, or undefined. */
export declare function findPostgresBinDir(): string | undefined;
/** Why a throwaway server cannot start here, or undefined when it can. */
export declare function postgresUnavailableReason(): string | undefined;
/** Initialise and start a server; resolves once it accepts connections. */
export declare function startPostgres(options: StartPostgresOptions): Promise<StartedPostgres>;
/** Stop the server started from `dir` and remove `dir`. */
export declare function stopPostgres(options: { dir: string }): Promise<boolean>;
