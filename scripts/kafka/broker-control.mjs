// Start and stop a single-node Apache Kafka broker (KRaft, combined broker + controller) from Maven Central
// jars. Used by `npm run kafka:up|down`, the vitest global setup and the benchmarks. Plain Node ESM.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, connect } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import kafkajs from 'kafkajs';

const { Kafka, logLevel } = kafkajs;

/** The Kafka version the pom resolves. */
export const KAFKA_VERSION = '3.9.1';

const scriptDir = dirname(fileURLToPath(import.meta.url));
/** The repository root (two folders above this script). */
export const repoRoot = resolve(scriptDir, '..', '..');
/** Where the resolved jars are cached (git-ignored). */
export const defaultLibsDir = join(repoRoot, '.kafka', 'libs');

const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

/** Why a local broker cannot run here (Java or Maven missing), or undefined when it can. */
export function brokerUnavailableReason() {
  if (spawnSync('java', ['-version'], { stdio: 'ignore' }).status !== 0) return 'java is not installed';
  if (!hasJars(defaultLibsDir) && spawnSync('mvn', ['-v'], { stdio: 'ignore' }).status !== 0) {
    return 'maven is not installed (needed once to fetch the Kafka jars)';
  }
  return undefined;
}

function hasJars(libsDir) {
  return (
    existsSync(libsDir) && readdirSync(libsDir).some((name) => name.startsWith(`kafka_2.13-${KAFKA_VERSION}`))
  );
}

/** Resolves the broker jars with Maven into `libsDir` unless they are already there. */
export function ensureJars(libsDir = defaultLibsDir) {
  if (hasJars(libsDir)) return libsDir;
  const staging = `${libsDir}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  const result = spawnSync(
    'mvn',
    [
      '-q',
      '-B',
      '-f',
      join(scriptDir, 'pom.xml'),
      'dependency:copy-dependencies',
      `-DoutputDirectory=${staging}`,
      '-DincludeScope=runtime',
    ],
    { encoding: 'utf8' },
  );
  if (result.status !== 0) {
    throw new Error(`maven could not resolve the Kafka jars:\n${result.stdout}\n${result.stderr}`);
  }
  mkdirSync(dirname(libsDir), { recursive: true });
  if (!hasJars(libsDir)) renameSync(staging, libsDir);
  else rmSync(staging, { recursive: true, force: true });
  return libsDir;
}

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

function serverProperties({ port, controllerPort, dataDir }) {
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    `log.dirs=${dataDir}`,
    'num.partitions=4',
    'auto.create.topics.enable=false',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=8',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    'num.network.threads=2',
    'num.io.threads=4',
    'num.recovery.threads.per.data.dir=1',
    'log.retention.hours=168',
    '',
  ].join('\n');
}

function log4jProperties(logFile) {
  return [
    'log4j.rootLogger=WARN, file',
    'log4j.appender.file=org.apache.log4j.FileAppender',
    `log4j.appender.file.File=${logFile}`,
    'log4j.appender.file.layout=org.apache.log4j.PatternLayout',
    'log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n',
    'log4j.logger.kafka=WARN',
    'log4j.logger.org.apache.kafka=WARN',
    '',
  ].join('\n');
}

function processAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

function readPid(dir) {
  const file = join(dir, 'broker.pid');
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

function tcpAnswers(port) {
  return new Promise((done) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
  });
}

/** Whether a broker answers a metadata request at 127.0.0.1:port. */
export async function brokerAnswers(port) {
  if (!(await tcpAnswers(port))) return false;
  const admin = new Kafka({
    clientId: 'cleanroom-broker-probe',
    brokers: [`127.0.0.1:${port}`],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    retry: { retries: 0 },
  }).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

function tail(file, lines = 30) {
  if (!existsSync(file)) return '';
  return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
}

// Kills the broker (and removes its folder) once the process that started it is gone, so a test run that is
// itself killed leaves no broker behind. Exits as soon as the broker does.
const WATCHDOG = `
const [parent, broker] = process.argv.slice(1, 3).map(Number);
const dir = process.argv[3];
const alive = (pid) => { try { process.kill(pid, 0); return true; } catch (error) { return error.code === 'EPERM'; } };
setInterval(() => {
  if (!alive(broker)) process.exit(0);
  if (alive(parent)) return;
  try { process.kill(-broker, 'SIGKILL'); } catch { try { process.kill(broker, 'SIGKILL'); } catch {} }
  const wait = setInterval(() => {
    if (alive(broker)) return;
    clearInterval(wait);
    require('node:fs').rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  }, 100);
}, 1000);
`;

function watchParent(parentPid, brokerPid, dir) {
  const watchdog = spawn(process.execPath, ['-e', WATCHDOG, String(parentPid), String(brokerPid), dir], {
    detached: true,
    stdio: 'ignore',
  });
  watchdog.unref();
}

/**
 * Starts a broker on 127.0.0.1:`port` with its files under `dir`, and resolves once it answers.
 * With `stopWithParent` (a pid), a small watchdog kills the broker when that process is gone. With `keepData`
 * and a broker previously stopped with `keepFiles`, it restarts on the same ports and data (a broker restart).
 * @param {{ port?: number, dir: string, controllerPort?: number, heapMb?: number, timeoutMs?: number, libsDir?: string, stopWithParent?: number, keepData?: boolean }} options
 * @returns {Promise<{ brokers: string, port: number, dir: string, pid: number, version: string, startedInMs: number }>}
 */
export async function startBroker(options) {
  const startedAt = Date.now();
  const dir = resolve(options.dir);
  const dataDir = join(dir, 'data');
  const propertiesFile = join(dir, 'server.properties');
  const log4jFile = join(dir, 'log4j.properties');
  const logFile = join(dir, 'broker.log');
  const reuse =
    options.keepData === true && existsSync(propertiesFile) && existsSync(join(dataDir, 'meta.properties'));
  const configuredPort = reuse
    ? Number(/PLAINTEXT:\/\/127\.0\.0\.1:(\d+)/.exec(readFileSync(propertiesFile, 'utf8'))?.[1])
    : undefined;
  const port = configuredPort ?? options.port ?? 9092;
  const existing = readPid(dir);
  if (existing !== undefined && processAlive(existing)) {
    throw new Error(`a broker started from ${dir} is already running (pid ${existing})`);
  }
  if (await tcpAnswers(port)) throw new Error(`port ${port} on 127.0.0.1 is already in use`);
  const libsDir = ensureJars(options.libsDir ?? defaultLibsDir);
  const classpath = `${libsDir}/*`;
  const javaOptions = [
    `-Xmx${options.heapMb ?? 512}m`,
    '-Xms128m',
    '-XX:+UseSerialGC',
    '-Djava.awt.headless=true',
    `-Dlog4j.configuration=file:${log4jFile}`,
  ];
  if (!reuse) {
    const controllerPort = options.controllerPort ?? (await freePort());
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    writeFileSync(propertiesFile, serverProperties({ port, controllerPort, dataDir }));
    writeFileSync(log4jFile, log4jProperties(logFile));
    const clusterId = randomBytes(16).toString('base64url');
    const format = spawnSync(
      'java',
      [
        ...javaOptions,
        '-cp',
        classpath,
        'kafka.tools.StorageTool',
        'format',
        // One form: a base64url id may begin with '-', which would read as an option after a separate `-t`
        // (about one start in 32 failed with "expected one argument").
        `--cluster-id=${clusterId}`,
        '-c',
        propertiesFile,
      ],
      { encoding: 'utf8' },
    );
    if (format.status !== 0) {
      throw new Error(`kafka storage format failed:\n${format.stdout}\n${format.stderr}`);
    }
  }
  const out = openSync(join(dir, 'broker.out'), 'a');
  const child = spawn('java', [...javaOptions, '-cp', classpath, 'kafka.Kafka', propertiesFile], {
    detached: true,
    stdio: ['ignore', out, out],
  });
  closeSync(out);
  child.unref();
  writeFileSync(join(dir, 'broker.pid'), `${child.pid}\n`);
  if (options.stopWithParent !== undefined) watchParent(options.stopWithParent, child.pid, dir);
  const deadline = startedAt + (options.timeoutMs ?? 90_000);
  while (Date.now() < deadline) {
    if (!processAlive(child.pid)) {
      throw new Error(
        `the broker exited during start-up:\n${tail(join(dir, 'broker.out'))}\n${tail(logFile)}`,
      );
    }
    if (await brokerAnswers(port)) {
      return {
        brokers: `127.0.0.1:${port}`,
        port,
        dir,
        pid: child.pid,
        version: KAFKA_VERSION,
        startedInMs: Date.now() - startedAt,
      };
    }
    await sleep(250);
  }
  await stopBroker({ dir, keepFiles: true });
  throw new Error(`the broker did not answer on 127.0.0.1:${port} within ${options.timeoutMs ?? 90_000} ms`);
}

/**
 * Stops the broker started from `dir` (SIGTERM, then SIGKILL after `graceMs`), waits for it to exit and
 * removes `dir` unless `keepFiles`. Resolves to whether a running broker was found.
 * @param {{ dir: string, graceMs?: number, keepFiles?: boolean }} options
 * @returns {Promise<boolean>}
 */
export async function stopBroker(options) {
  const dir = resolve(options.dir);
  const pid = readPid(dir);
  let wasRunning = false;
  if (pid !== undefined && processAlive(pid)) {
    wasRunning = true;
    const signalGroup = (signal) => {
      try {
        process.kill(-pid, signal);
      } catch {
        try {
          process.kill(pid, signal);
        } catch {
          // already gone
        }
      }
    };
    signalGroup('SIGTERM');
    const graceDeadline = Date.now() + (options.graceMs ?? 15_000);
    while (processAlive(pid) && Date.now() < graceDeadline) await sleep(100);
    if (processAlive(pid)) signalGroup('SIGKILL');
    while (processAlive(pid)) await sleep(50);
  }
  if (!options.keepFiles) rmSync(dir, { recursive: true, force: true });
  return wasRunning;
}

/**
 * The state of the broker started from `dir`.
 * @param {{ dir: string, port?: number }} options
 * @returns {Promise<{ running: boolean, pid?: number, answers: boolean }>}
 */
export async function brokerStatus(options) {
  const pid = readPid(resolve(options.dir));
  const running = pid !== undefined && processAlive(pid);
  const answers = running ? await brokerAnswers(options.port ?? 9092) : false;
  return running ? { running, pid, answers } : { running, answers };
}
