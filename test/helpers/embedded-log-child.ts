/**
 * A second process on the same embedded log file, for the cross-process tests: joins `groupId` on `topic` and
 * prints one JSON line per event (`ready`, `assigned`, `record`) on stdout.
 *
 * Usage: node --import tsx test/helpers/embedded-log-child.ts <log file> <groupId> <topic>
 */
import { createEmbeddedLog } from '../../processors/runtime/index.ts';

const [path, groupId, topic] = process.argv.slice(2);
if (!path || !groupId || !topic) throw new Error('usage: embedded-log-child.ts <log file> <groupId> <topic>');

const log = createEmbeddedLog({ path });
const print = (line: object): void => void process.stdout.write(`${JSON.stringify(line)}\n`);
const consumer = log.consumer({
  groupId,
  topics: [topic],
  onAssign: (partitions) =>
    print({ event: 'assigned', partitions: consumer.assignments().concat(partitions) }),
  onRevoke: () => print({ event: 'revoked', partitions: consumer.assignments() }),
});
await consumer.run(async (batch) => {
  for (const record of batch.records)
    print({ event: 'record', partition: record.partition, value: record.value });
});
print({ event: 'ready', pid: process.pid });
process.on('SIGTERM', () => {
  void log.close().then(() => process.exit(0));
});
