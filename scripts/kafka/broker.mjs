// `node scripts/kafka/broker.mjs up|down|status`: a local single-node Kafka broker for development.
// Port from KAFKA_PORT (default 9092); files under .kafka/broker (git-ignored).
import { join } from 'node:path';
import {
  brokerStatus,
  brokerUnavailableReason,
  repoRoot,
  startBroker,
  stopBroker,
} from './broker-control.mjs';

const port = Number(process.env.KAFKA_PORT ?? 9092);
const dir = join(repoRoot, '.kafka', 'broker');
const command = process.argv[2];

async function main() {
  switch (command) {
    case 'up': {
      const reason = brokerUnavailableReason();
      if (reason) throw new Error(`cannot start a local Kafka broker: ${reason}`);
      const broker = await startBroker({ port, dir });
      console.log(
        `kafka: broker ${broker.version} up on ${broker.brokers} (pid ${broker.pid}) in ${(broker.startedInMs / 1000).toFixed(1)}s`,
      );
      console.log(`kafka: KAFKA_BROKERS=${broker.brokers}`);
      return;
    }
    case 'down': {
      const wasRunning = await stopBroker({ dir });
      console.log(
        wasRunning ? 'kafka: broker stopped and its files removed' : 'kafka: no broker was running',
      );
      return;
    }
    case 'status': {
      const status = await brokerStatus({ dir, port });
      console.log(
        status.running
          ? `kafka: running (pid ${status.pid}), ${status.answers ? 'answering' : 'not answering'} on 127.0.0.1:${port}`
          : 'kafka: not running',
      );
      process.exitCode = status.running && status.answers ? 0 : 1;
      return;
    }
    default:
      console.error('usage: node scripts/kafka/broker.mjs up|down|status');
      process.exitCode = 2;
  }
}

main().catch((error) => {
  console.error(`kafka: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
