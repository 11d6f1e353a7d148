/**
 * `cleanroom serve` (and `npm start`): the whole product in one process — the log (embedded, or Kafka when
 * `KAFKA_BROKERS` is set), the pipeline, the governed gateway, and on the embedded default the simulator at a
 * gentle rate. Prints the GraphiQL address, a development token per sample principal (only with `--dev-tokens`, which
 * `npm start` passes: the gateway accepts development tokens only then) and operations to try. Tokens are otherwise
 * verified against the host's identity provider (`--jwks-url`, `--issuer`) and partners' own (their contracts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import type { Logger } from 'pino';
import {
  buildConsoleAssets,
  consoleResponse,
  createGateway,
  createPolicyPorts,
  DEFAULT_CLOCK_TOLERANCE_SECONDS,
  MAX_CLOCK_TOLERANCE_SECONDS,
  mintDevToken,
} from '../../gateway/index.ts';
import type { GatewayAuthOptions, Role } from '../../gateway/index.ts';
import {
  createContractRegistry,
  digestRequest,
  importContractsFromDir,
  loadContracts,
  loadOrCreateSecrets,
} from '../../policies/index.ts';
import type { ContractRegistry, HostConfig, IdentityStore, LoadedContracts } from '../../policies/index.ts';
import { createPipeline, DEFAULT_TOPIC_RETENTION } from '../../processors/index.ts';
import { EXAMPLE_SEGMENTS_DIR, loadSegmentDefinitions } from '../../processors/segments/index.ts';
import { offersOfContracts } from '../../processors/offers/index.ts';
import { createLogFromEnv } from '../../processors/runtime/index.ts';
import {
  DEMO_SCHEDULE,
  demoSimulationOptions,
  demoStart,
  simulate,
  writeToLog,
} from '../../simulator/index.ts';
import { banner, rolesBanner } from './serve-banner.ts';
import { DATABASE_URL_ENV, openControlPlane } from './control-plane.ts';
import type { ControlPlane } from './control-plane.ts';
import { parseCommandArgs, usageError } from './command-args.ts';

/**
 * The embedded demo's pace: quarter-hour demand windows (the simulated clock runs ~100x faster than the wall clock)
 * and the simulator's schedule of planted surges, one every 90 simulated minutes (see simulator/demo.ts).
 */
const DEMO = {
  triggerWindowMs: DEMO_SCHEDULE.triggerWindowMinutes * 60_000,
  warmupWindows: DEMO_SCHEDULE.warmupWindows,
  /** Where the simulated clock stopped, so a restart continues from there instead of replaying old time. */
  clockFile: 'simulator-clock.json',
  clockSaveIntervalMs: 5_000,
} as const;

/** How long raw records stay in the embedded log after ingest processed them, by default (15 minutes). */
const DEFAULT_RAW_GRACE_SECONDS = 900;

/** What a `serve` process runs: everything (the embedded default), the stream processors, or the gateway. */
export const SERVE_ROLES = ['all', 'processors', 'gateway'] as const;
type ServeRole = (typeof SERVE_ROLES)[number];

const USAGE = `usage: cleanroom serve [--role all|processors|gateway] [--port N] [--host ADDRESS] [--data-dir DIR]
                      [--contracts DIR] [--no-simulate] [--rate EVENTS_PER_SECOND] [--seed N]
                      [--dev-tokens] [--jwks-url URL --issuer ISSUER [--audience AUDIENCE]]
                      [--clock-tolerance SECONDS] [--raw-grace SECONDS|keep]
                      [--retention-hours HOURS|keep] [--retention-mb MB]

  --role             all (default; env CLEANROOM_ROLE): the whole product in one process. processors: the stream
                     processors only, sharing partitions with other processors processes through consumer groups.
                     gateway: the governed GraphQL gateway only, one of any number of replicas; with
                     ${DATABASE_URL_ENV} set, replicas share budgets, partner keys and the audit log in PostgreSQL
                     (docs/operations.md, "Running a cluster"). Only "all" runs the simulator by default.
  --raw-grace        raw retail.* records (they hold emails and phone numbers) are deleted from the embedded log
                     this long after ingest has processed them (default ${DEFAULT_RAW_GRACE_SECONDS}; env
                     CLEANROOM_RAW_GRACE_SECONDS; "keep" keeps them). On Kafka set the raw topics' retention.ms
                     instead (docs/operations.md).
  --retention-hours  the pipeline's own streams (cleanroom.events and the topics between stages) keep records this
                     long on the embedded log, and never less than every stage needs; the topics the gateway
                     rebuilds from are compacted instead (default ${DEFAULT_TOPIC_RETENTION.retentionMs / 3_600_000}; env
                     CLEANROOM_RETENTION_HOURS; "keep" keeps every record of every topic).
  --retention-mb     the most a stream partition keeps, in MiB (default ${DEFAULT_TOPIC_RETENTION.retentionBytes / 1_048_576}; env
                     CLEANROOM_RETENTION_MB).
`;

/** Run `cleanroom serve`; resolves to the exit code once stopped by SIGINT or SIGTERM. */
export async function run(argv: string[]): Promise<number> {
  const values = parseCommandArgs('serve', USAGE, argv, {
    role: { type: 'string' },
    simulate: { type: 'boolean', default: false },
    port: { type: 'string' },
    host: { type: 'string' },
    'data-dir': { type: 'string' },
    contracts: { type: 'string' },
    'no-simulate': { type: 'boolean', default: false },
    rate: { type: 'string', default: '400' },
    seed: { type: 'string', default: '1' },
    'dev-tokens': { type: 'boolean', default: false },
    'jwks-url': { type: 'string' },
    issuer: { type: 'string' },
    audience: { type: 'string' },
    'clock-tolerance': { type: 'string' },
    'raw-grace': { type: 'string' },
    'retention-hours': { type: 'string' },
    'retention-mb': { type: 'string' },
  });
  if (typeof values === 'number') return values;
  const role = (values.role ?? process.env['CLEANROOM_ROLE'] ?? 'all') as ServeRole;
  if (!SERVE_ROLES.includes(role))
    return usageError('serve', USAGE, `--role must be one of ${SERVE_ROLES.join(', ')}`);
  const runsGateway = role !== 'processors';
  const runsProcessors = role !== 'gateway';
  const port = Number(values.port ?? process.env['PORT'] ?? 4000);
  const rate = Number(values.rate);
  const seed = Number(values.seed);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    return usageError('serve', USAGE, `--port must be a port number`);
  if (!(rate > 0)) return usageError('serve', USAGE, '--rate must be positive');
  if (!Number.isInteger(seed)) return usageError('serve', USAGE, '--seed must be an integer');
  const rawGrace =
    values['raw-grace'] ?? process.env['CLEANROOM_RAW_GRACE_SECONDS'] ?? String(DEFAULT_RAW_GRACE_SECONDS);
  if (rawGrace !== 'keep' && !/^\d+$/.test(rawGrace))
    return usageError('serve', USAGE, '--raw-grace must be whole seconds (0 or more) or "keep"');
  const retentionHours =
    values['retention-hours'] ??
    process.env['CLEANROOM_RETENTION_HOURS'] ??
    String(DEFAULT_TOPIC_RETENTION.retentionMs / 3_600_000);
  const retentionMb =
    values['retention-mb'] ??
    process.env['CLEANROOM_RETENTION_MB'] ??
    String(DEFAULT_TOPIC_RETENTION.retentionBytes / 1_048_576);
  if (retentionHours !== 'keep' && !(Number(retentionHours) > 0))
    return usageError('serve', USAGE, '--retention-hours must be a positive number of hours or "keep"');
  if (!(Number(retentionMb) > 0))
    return usageError('serve', USAGE, '--retention-mb must be a positive number of MiB');
  const auth = authSettings(values);
  if (typeof auth === 'string') return usageError('serve', USAGE, auth);
  const host = values.host ?? process.env['HOST'] ?? '127.0.0.1';
  const dataDir = path.resolve(values['data-dir'] ?? process.env['CLEANROOM_DATA_DIR'] ?? './data');
  const contractsDir = path.resolve(
    values.contracts ?? process.env['CLEANROOM_CONTRACTS_DIR'] ?? 'examples/contracts',
  );
  // Every file the product writes under the data folder (logs, state, secrets, the audit log and SQLite's own
  // -wal and -shm files) is readable by its owner only: raw events hold emails and phone numbers until ingest has
  // hashed them.
  process.umask(0o077);
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dataDir, 0o700);

  // JSON logs on stderr: ids, counts and codes only, never a payload, token or identifier.
  const logger = pino(
    { name: 'cleanroom', base: null, redact: ['authorization', '*.authorization', 'token', '*.token'] },
    pino.destination(2),
  );
  const log = createLogFromEnv(process.env, { embedded: { path: path.join(dataDir, 'log.sqlite') } });
  const secrets = loadOrCreateSecrets(dataDir);
  const databaseUrl = process.env[DATABASE_URL_ENV];
  // A gateway governs with the control plane; a processors process keeps none (it audits nothing and spends nothing).
  const controlPlane = runsGateway
    ? await openControlPlane({
        dataDir,
        secrets,
        databaseUrl,
        onError: (error) => logger.error({ err: errorSummary(error) }, 'control plane refresh failed'),
      })
    : undefined;
  // The gateway keeps contract versions (and audits each change); processors only read the folder.
  const registry = controlPlane ? createContractRegistry(path.join(dataDir, 'contracts.sqlite')) : undefined;
  if (registry && controlPlane) auditContractChanges(registry, controlPlane, logger);
  const contracts: Pick<LoadedContracts, 'host' | 'contracts' | 'errors'> = registry
    ? await importContractsFromDir(registry, contractsDir, { actor: 'contracts-folder' })
    : loadContracts(contractsDir);
  for (const problem of contracts.errors) {
    logger.warn(
      { file: problem.file, field: problem.field, reason: problem.reason },
      'contract file refused',
    );
  }
  const simulating = role === 'all' ? values['no-simulate'] !== true : values.simulate === true;
  const segmentsDir = path.resolve(process.env['CLEANROOM_SEGMENTS_DIR'] ?? EXAMPLE_SEGMENTS_DIR);
  const pipeline = runsProcessors
    ? createPipeline({
        log,
        dataDir,
        secrets,
        segmentsDir,
        consentDefault: contracts.host.consentDefault,
        // The host's privacy settings: attribution's contribution bounds, the triggers' noise and thresholds.
        host: contracts.host,
        // Live mode: quiet partitions follow the others so time-driven exits and window closes keep flowing.
        idleTimeoutMs: 2_000,
        // Raw records with emails and phone numbers do not stay at rest once ingest is past them (embedded log).
        ...(rawGrace === 'keep' ? {} : { rawRetentionGraceMs: Number(rawGrace) * 1_000 }),
        // The pipeline's own topics: streams by age and size behind every stage, the gateway's sources compacted.
        ...(retentionHours === 'keep'
          ? {}
          : {
              topicRetention: {
                retentionMs: Number(retentionHours) * 3_600_000,
                retentionBytes: Math.round(Number(retentionMb) * 1_048_576),
              },
            }),
        // The demo's simulated clock runs ~100x faster than the wall clock; quarter-hour demand windows let the
        // planted surge fire within the first minute. Real deployments keep the hourly default.
        ...(simulating && role === 'all'
          ? { trigger: { windowMs: DEMO.triggerWindowMs, warmupWindows: DEMO.warmupWindows } }
          : {}),
        // Brands whose contract allows substitution get a substitute named in their pauses (read at start).
        inventory: {
          substitutionBrands: contracts.contracts
            .filter(({ contract }) => contract.visibility.inventory.substitution)
            .map(({ contract }) => contract.partnerId),
        },
        // The in-store offers the brands' contracts declare (read at start).
        offers: { offers: offersOfContracts(contracts.contracts.map(({ contract }) => contract)) },
        logger,
        onError: (stage, error) =>
          logger.error({ stage, err: errorSummary(error) }, 'pipeline stage failed; retrying'),
      })
    : undefined;
  const gateway =
    registry && controlPlane
      ? await startGateway({
          log,
          dataDir,
          segmentsDir,
          registry,
          controlPlane,
          host: contracts.host,
          identity: pipeline?.ingest.identity,
          auth,
          logger,
        })
      : undefined;

  await pipeline?.start();
  const url = gateway ? (await gateway.listen(port, host)).url : undefined;
  const simulation = new AbortController();
  let simulator: Promise<unknown> = Promise.resolve();
  if (simulating) {
    // A restart continues simulated time after where the last run stopped: the pipeline has already closed the
    // windows before it, so replaying them would only produce late events and a demo that looks dead.
    const clockPath = path.join(dataDir, DEMO.clockFile);
    const startMs = demoStart(readSimulatedClock(clockPath));
    const world = simulate(
      demoSimulationOptions({ seed, startMs, idPrefix: `s${seed}-${Date.now().toString(36)}-` }),
    );
    const saveClock = () => writeSimulatedClock(clockPath, world.clockMs);
    const clockTimer = setInterval(saveClock, DEMO.clockSaveIntervalMs);
    clockTimer.unref();
    simulator = writeToLog(log, world, { rate, signal: simulation.signal })
      .catch((error: unknown) => logger.error({ err: errorSummary(error) }, 'simulator stopped'))
      .finally(() => {
        clearInterval(clockTimer);
        saveClock();
      });
    logger.info({ simulatedStart: new Date(startMs).toISOString() }, 'simulator started');
  }

  if (role === 'all' && gateway && url !== undefined) {
    // Development tokens only when the gateway accepts them, and not for partners with their own provider.
    const devKeys = gateway.devKeys;
    const principals: Array<{ id: string; role: Role }> = [
      ...contracts.contracts
        .filter(({ contract }) => contract.identityProvider === undefined)
        .map(({ contract }) => ({ id: contract.partnerId, role: contract.kind as Role })),
      ...contracts.host.principals.map((principal) => ({ id: principal.id, role: principal.role as Role })),
    ];
    const tokens =
      devKeys === null
        ? null
        : await Promise.all(
            principals.map(async (principal) => ({
              ...principal,
              token: await mintDevToken(devKeys, {
                partnerId: principal.id,
                role: principal.role,
                ttl: '12h',
              }),
            })),
          );
    process.stdout.write(banner({ url, logKind: log.kind, dataDir, tokens, simulating }));
  } else {
    process.stdout.write(
      rolesBanner({ role, url, logKind: log.kind, dataDir, controlPlane: controlPlane?.kind, simulating }),
    );
  }

  const reason = await stopRequested();
  process.stdout.write(`\nstopping (${reason})…\n`);
  // Ctrl-C must finish within 5 s; whatever is still open then is abandoned (the log and state are durable).
  const deadline = setTimeout(() => {
    process.stderr.write('cleanroom serve: shutdown took too long; exiting\n');
    process.exit(1);
  }, 4_500);
  deadline.unref();
  const timed = async (stage: string, stop: () => unknown): Promise<void> => {
    const began = performance.now();
    logger.info({ stage }, 'stopping');
    await stop();
    logger.info({ stage, ms: Math.round(performance.now() - began) }, 'stopped');
  };
  simulation.abort();
  await timed('simulator', () => simulator);
  // The gateway and the pipeline are independent; stopping them side by side halves the wait.
  await Promise.all([
    gateway && timed('gateway', () => gateway.close()),
    pipeline && timed('pipeline', () => pipeline.stop()),
  ]);
  if (controlPlane) await timed('control plane', () => controlPlane.close());
  registry?.close();
  await timed('log', () => log.close());
  process.stdout.write('stopped cleanly\n');
  // Everything is closed; a client library's idle timer must not hold the process past Ctrl-C's promise.
  setTimeout(() => process.exit(0), 100).unref();
  return 0;
}

/**
 * Every contract change is itself a decision the privacy officer must see. On SQLite the append is synchronous and
 * a change that cannot be logged fails; on the shared control plane the append is asynchronous and a failure is
 * logged as an error (the change is already stored).
 */
function auditContractChanges(registry: ContractRegistry, controlPlane: ControlPlane, logger: Logger): void {
  registry.onChange((change) => {
    const decision = {
      principal: {
        id: change.actor ?? (change.source === 'api' ? 'host-admin-api' : 'contracts-folder'),
        role: change.source === 'api' ? 'HOST_ADMIN' : null,
      },
      action: 'contracts.change',
      resource: `contract:${change.partnerId}`,
      inputDigest: digestRequest(change),
      effect: 'allow' as const,
      obligations: {},
      reasons: [`${change.source} change from ${change.previousVersion ?? 'nothing'} to ${change.version}`],
      contractVersion: change.version,
    };
    if (controlPlane.kind === 'sqlite') controlPlane.auditLog.append(decision);
    else
      controlPlane.auditLog
        .appendAsync(decision)
        .catch((error: unknown) =>
          logger.error(
            { err: errorSummary(error), partnerId: change.partnerId },
            'contract change not audited',
          ),
        );
  });
}

/** Build the governed gateway over the control plane (not yet listening). */
async function startGateway(options: {
  log: ReturnType<typeof createLogFromEnv>;
  dataDir: string;
  segmentsDir: string;
  registry: ContractRegistry;
  controlPlane: ControlPlane;
  host: HostConfig;
  /** Ingest's identity store; absent on a gateway replica, which then refuses audience uploads. */
  identity: IdentityStore | undefined;
  auth: GatewayAuthOptions & { devTokens: boolean };
  logger: Logger;
}) {
  const { registry, controlPlane, host, auth, logger } = options;
  const ports = createPolicyPorts({
    registry,
    host,
    auditLog: controlPlane.auditLog,
    ledger: controlPlane.ledger,
    identity: options.identity,
    keys: controlPlane.keys,
  });
  const segmentDefinitions = new Map(
    loadSegmentDefinitions(options.segmentsDir).map((definition) => [definition.id, definition]),
  );
  const consoleAssets = await buildConsoleAssets();
  const gateway = await createGateway({
    log: options.log,
    dataDir: options.dataDir,
    ...ports,
    httpRoutes: [(pathname) => consoleResponse(consoleAssets, pathname)],
    catalog: {
      describe: (segmentId) => {
        const definition = segmentDefinitions.get(segmentId);
        return (
          definition && {
            name: definition.name,
            ...(definition.description ? { description: definition.description } : {}),
          }
        );
      },
    },
    devMode: true,
    auth: {
      ...auth,
      hostPrincipals: host.principals.map((principal) => ({
        id: principal.id,
        role: principal.role as Role,
      })),
    },
    logger,
  });
  if (!auth.devTokens && auth.keys === undefined) {
    logger.warn(
      {},
      'no host identity provider (--jwks-url) and no --dev-tokens: only partners whose contract names its own ' +
        'identity provider can sign in',
    );
  }
  return gateway;
}

/**
 * Resolves once the product is asked to stop: SIGINT (Ctrl-C, or npm relaying it), SIGTERM (a supervisor, or npm
 * relaying its own), SIGHUP (the terminal closed), or the parent process gone (a launcher killed outright, which
 * would otherwise leave this process running as an orphan that holds the port and the data folder).
 */
function stopRequested(): Promise<string> {
  return new Promise((resolve) => {
    // Handlers stay installed: a group-wide Ctrl-C reaches npm and this process, and the copies relayed
    // after it must not kill the process halfway through its clean stop (the deadline bounds the stop instead).
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => resolve(signal));
    const parent = process.ppid;
    const watchdog = setInterval(() => {
      if (process.ppid !== parent) {
        clearInterval(watchdog);
        resolve('parent process exited');
      }
    }, 500);
    watchdog.unref();
  });
}

/** The simulated time a previous run reached, or undefined (no file, or one that cannot be read). */
function readSimulatedClock(file: string): number | undefined {
  try {
    const saved = JSON.parse(fs.readFileSync(file, 'utf8')) as { simulatedUntil?: unknown };
    const ms = typeof saved.simulatedUntil === 'string' ? Date.parse(saved.simulatedUntil) : Number.NaN;
    return Number.isFinite(ms) ? ms : undefined;
  } catch {
    return undefined;
  }
}

/** Save the simulated time reached (write and rename, so a crash leaves the old file or the new one). */
function writeSimulatedClock(file: string, clockMs: number): void {
  const temporary = `${file}.tmp`;
  fs.writeFileSync(temporary, `${JSON.stringify({ simulatedUntil: new Date(clockMs).toISOString() })}\n`);
  fs.renameSync(temporary, file);
}

/** The gateway's auth settings from the flags and environment, or a usage error. */
function authSettings(values: {
  'dev-tokens'?: boolean;
  'jwks-url'?: string;
  issuer?: string;
  audience?: string;
  'clock-tolerance'?: string;
}): (GatewayAuthOptions & { devTokens: boolean }) | string {
  const jwksUrl = values['jwks-url'] ?? process.env['CLEANROOM_JWKS_URL'];
  const issuer = values.issuer ?? process.env['CLEANROOM_TOKEN_ISSUER'];
  const audience = values.audience ?? process.env['CLEANROOM_TOKEN_AUDIENCE'];
  const tolerance =
    values['clock-tolerance'] ??
    process.env['CLEANROOM_CLOCK_TOLERANCE_SECONDS'] ??
    String(DEFAULT_CLOCK_TOLERANCE_SECONDS);
  const clockToleranceSeconds = Number(tolerance);
  if (!/^\d+$/.test(tolerance) || clockToleranceSeconds > MAX_CLOCK_TOLERANCE_SECONDS)
    return `--clock-tolerance must be whole seconds from 0 to ${MAX_CLOCK_TOLERANCE_SECONDS}`;
  if ((jwksUrl === undefined) !== (issuer === undefined))
    return '--jwks-url and --issuer go together (the host identity provider)';
  if (audience !== undefined && jwksUrl === undefined)
    return '--audience is the audience of the host identity provider: give --jwks-url and --issuer too';
  if (jwksUrl !== undefined) {
    let url: URL;
    try {
      url = new URL(jwksUrl);
    } catch {
      return '--jwks-url must be a URL';
    }
    const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
    if (!(url.protocol === 'https:' || (url.protocol === 'http:' && loopback)))
      return '--jwks-url must be https (plain http only for a loopback address)';
  }
  return {
    devTokens: values['dev-tokens'] === true,
    clockToleranceSeconds,
    ...(jwksUrl !== undefined && issuer !== undefined ? { keys: { jwksUrl }, issuer } : {}),
    ...(audience !== undefined ? { audience } : {}),
  };
}

function errorSummary(error: unknown): { name: string; message: string; code?: unknown } {
  if (error instanceof Error)
    return { name: error.name, message: error.message, code: (error as { code?: unknown }).code };
  return { name: 'Error', message: String(error) };
}
