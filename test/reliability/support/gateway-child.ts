/**
 * A gateway in its own process on the real policies/ services (contracts, audit log, budgets, identity) in
 * `dataDir`, over an embedded log file or a Kafka broker. Prints `{"event":"ready","url","pid"}` once listening;
 * SIGTERM closes it cleanly. Tokens are minted by the parent from `<dataDir>/secrets` (the development key).
 *
 * Usage: node --import tsx test/reliability/support/gateway-child.ts '<json GatewayChildConfig>'
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { createGateway } from '../../../gateway/index.ts';
import type { ContractView } from '../../../gateway/index.ts';
import { createEmbeddedLog, createKafkaLog } from '../../../processors/runtime/index.ts';
import type { Log } from '../../../processors/runtime/index.ts';
import { openRealPolicies } from '../../gateway/support/real-policies.ts';
import { testPrivacy } from '../../gateway/support/harness.ts';

/** The child's configuration (one JSON argument). */
export interface GatewayChildConfig {
  logPath?: string;
  brokers?: string;
  dataDir: string;
  contracts: ContractView[];
  readyMaxLag?: number;
  /** Consumer group of the read models (stable across restarts when given). */
  groupId?: string;
  /** Append KafkaJS log lines at `info` and above to this file (one JSON line each), for diagnosis. */
  kafkaLogFile?: string;
  /**
   * How often activation gates are decided (default 30 s, so a test that fills a segment sees its signals flow
   * quickly). A decision holds for 1.5 intervals, so a subscriber that resumes after a longer gap misses the
   * signals derived in it: a test whose subscriber stays away longer asks for a longer interval, as the host's
   * default of an hour is.
   */
  activationIntervalSeconds?: number;
}

const config = JSON.parse(process.argv[2] ?? '{}') as GatewayChildConfig;
const print = (line: object): void => void process.stdout.write(`${JSON.stringify(line)}\n`);
const kafkaLogFile = config.kafkaLogFile;
const log: Log = config.brokers
  ? createKafkaLog({
      brokers: config.brokers,
      clientId: `reliability-gateway-${process.pid}`,
      ...(kafkaLogFile === undefined
        ? {}
        : {
            logLevel: 'info' as const,
            onLog: (line) => appendFileSync(kafkaLogFile, `${JSON.stringify({ at: Date.now(), ...line })}\n`),
          }),
    })
  : createEmbeddedLog({ path: config.logPath ?? '', pollIntervalMs: 20, heartbeatIntervalMs: 200 });
mkdirSync(config.dataDir, { recursive: true });
const real = await openRealPolicies(config.dataDir, config.contracts);
const gateway = await createGateway({
  log,
  dataDir: config.dataDir,
  ...real.ports,
  auth: { hostPrincipals: real.hostPrincipals },
  privacy: testPrivacy({
    activation: {
      ...testPrivacy().activation,
      decisionIntervalSeconds: config.activationIntervalSeconds ?? 30,
    },
  }),
  ...(config.readyMaxLag !== undefined ? { readyMaxLag: config.readyMaxLag } : {}),
  ...(config.groupId !== undefined ? { groupId: config.groupId } : {}),
  logger: {
    info: () => {},
    warn: (object, message) => print({ event: 'warn', message, ...object }),
    error: (object, message) => print({ event: 'error', message, ...object }),
  },
});
const { url } = await gateway.listen(0, '127.0.0.1');
print({ event: 'ready', url, pid: process.pid });
process.on('SIGTERM', () => {
  void gateway
    .close()
    .then(() => real.close())
    .then(() => log.close())
    .then(() => process.exit(0));
});
