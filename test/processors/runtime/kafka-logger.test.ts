import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { createKafkaLogCreator } from '../../../processors/runtime/index.ts';
import type { KafkaLogLine } from '../../../processors/runtime/index.ts';

const { logLevel } = kafkajs;

function entry(namespace: string, level: number, message: string) {
  return { namespace, level, label: 'ERROR', log: { timestamp: 'now', message, broker: '127.0.0.1:9092' } };
}

describe('kafka logger', () => {
  it('forwards real errors with their fields and drops retried conditions at level error', () => {
    const lines: KafkaLogLine[] = [];
    const log = createKafkaLogCreator('error', (line) => lines.push(line))(logLevel.ERROR);
    log(entry('Consumer', logLevel.ERROR, 'Crash: KafkaJSNumberOfRetriesExceeded'));
    log(entry('Connection', logLevel.ERROR, 'Response Metadata(key: 3, version: 6)'));
    log(entry('BrokerPool', logLevel.ERROR, 'Failed to connect to seed broker'));
    log(entry('Producer', logLevel.ERROR, 'Failed to send messages: not the leader'));
    log(entry('Consumer', logLevel.WARN, 'The group is rebalancing, re-joining'));
    expect(lines).toEqual([
      {
        level: 'error',
        namespace: 'Consumer',
        message: 'Crash: KafkaJSNumberOfRetriesExceeded',
        fields: { broker: '127.0.0.1:9092' },
      },
    ]);
  });

  it('shows retried conditions as warnings at level warn', () => {
    const lines: KafkaLogLine[] = [];
    const log = createKafkaLogCreator('warn', (line) => lines.push(line))(logLevel.WARN);
    log(entry('BrokerPool', logLevel.ERROR, 'Failed to connect to seed broker'));
    log(entry('Consumer', logLevel.INFO, 'Consumer has joined the group'));
    expect(lines.map((line) => [line.level, line.namespace])).toEqual([['warn', 'BrokerPool']]);
  });
});
