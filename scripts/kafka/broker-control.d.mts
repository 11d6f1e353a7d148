/** Types of broker-control.mjs: a single-node Kafka broker for development, tests and benchmarks. */

/** The Kafka version the pom resolves (3.9.1). */
export declare const KAFKA_VERSION: string;
/** The repository root. */
export declare const repoRoot: string;
/** Where resolved jars are cached: `<repo>/.kafka/libs`. */
export declare const defaultLibsDir: string;

/** A broker that answers. */
export interface StartedBroker {
  /** `127.0.0.1:PORT`, ready for `KAFKA_BROKERS`. */
  brokers: string;
  port: number;
  /** The folder holding its configuration, data, pid file and logs. */
  dir: string;
  pid: number;
  version: string;
  startedInMs: number;
}

export interface StartBrokerOptions {
  /** Client port on 127.0.0.1 (default 9092). */
  port?: number;
  /** Folder for configuration, data, pid file and logs (wiped first). */
  dir: string;
  /** Controller port (default: a free one). */
  controllerPort?: number;
  /** Heap limit in MiB (default 512). */
  heapMb?: number;
  /** Give up waiting for the broker to answer after this long (default 90 s). */
  timeoutMs?: number;
  /** Jar folder (default `.kafka/libs`, filled by Maven on first use). */
  libsDir?: string;
  /** Kill the broker and remove `dir` once the process with this pid is gone. */
  stopWithParent?: number;
  /**
   * Restart a broker stopped with `keepFiles: true`: reuse its configuration, ports and data instead of
   * wiping `dir` (for broker-restart tests). Ignored when `dir` holds no formatted broker.
   */
  keepData?: boolean;
}

export interface StopBrokerOptions {
  dir: string;
  /** Time between SIGTERM and SIGKILL (default 15 s). */
  graceMs?: number;
  /** Keep `dir` instead of removing it. */
  keepFiles?: boolean;
}

/** Starts a broker and resolves once it answers a metadata request. */
export declare function startBroker(options: StartBrokerOptions): Promise<StartedBroker>;
/** Stops the broker started from `dir`, waits for it to exit, removes `dir`; resolves to whether it ran. */
export declare function stopBroker(options: StopBrokerOptions): Promise<boolean>;
/** The state of the broker started from `dir`. */
export declare function brokerStatus(options: {
  dir: string;
  port?: number;
}): Promise<{ running: boolean; pid?: number; answers: boolean }>;
/** Whether a broker answers at 127.0.0.1:port. */
export declare function brokerAnswers(port: number): Promise<boolean>;
/** Why a broker cannot run here (Java or Maven missing), or undefined. */
export declare function brokerUnavailableReason(): string | undefined;
/** Resolves the jars with Maven unless cached; returns the jar folder. */
export declare function ensureJars(libsDir?: string): string;
/** A free TCP port on 127.0.0.1. */
export declare function freePort(): Promise<number>;
