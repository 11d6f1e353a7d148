/**
 * A segments processor host in its own process, for the SIGKILL restart test. Prints `{"event":"ready"}` once
 * joined and `{"event":"caught-up", ...stats}` whenever all input is processed and the outbox is empty.
 *
 * Usage: node --import tsx test/integration/processor-restart-child.ts '<json config>'
 */
import { createEmbeddedLog, createKafkaLog } from '../../processors/runtime/index.ts';
import type { Log } from '../../processors/runtime/index.ts';
import { createRestartHost } from './restart-segments-host.ts';
import type { RestartChildConfig } from './restart-segments-host.ts';

const config = JSON.parse(process.argv[2] ?? '{}') as RestartChildConfig;
const log: Log = config.brokers
  ? createKafkaLog({ brokers: config.brokers, clientId: config.groupId })
  : createEmbeddedLog({ path: config.logPath ?? '' });
const print = (line: object): void => void process.stdout.write(`${JSON.stringify(line)}\n`);

const host = createRestartHost(log, config);
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
