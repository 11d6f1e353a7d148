import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogFromEnv } from '../../../processors/runtime/index.ts';
import type { Log } from '../../../processors/runtime/index.ts';
import { createTempDir, removeTempDir } from '../../helpers/temp-dir.ts';

const logs: Log[] = [];
const dirs: string[] = [];

afterEach(async () => {
  await Promise.all(logs.splice(0).map((log) => log.close()));
  for (const dir of dirs.splice(0)) removeTempDir(dir);
});

describe('createLogFromEnv', () => {
  it('opens the embedded log under CLEANROOM_DATA_DIR when KAFKA_BROKERS is not set', async () => {
    const dir = createTempDir('create-log');
    dirs.push(dir);
    const log = createLogFromEnv({ CLEANROOM_DATA_DIR: join(dir, 'nested') });
    logs.push(log);
    expect(log.kind).toBe('embedded');
    expect(existsSync(join(dir, 'nested', 'log.sqlite'))).toBe(true);
  });

  it('treats a blank KAFKA_BROKERS as unset', () => {
    const dir = createTempDir('create-log');
    dirs.push(dir);
    const log = createLogFromEnv({ KAFKA_BROKERS: '  ', CLEANROOM_DATA_DIR: dir });
    logs.push(log);
    expect(log.kind).toBe('embedded');
  });

  it('picks the Kafka log when KAFKA_BROKERS is set, connecting only on first use', () => {
    const log = createLogFromEnv({ KAFKA_BROKERS: '127.0.0.1:1,127.0.0.1:2' });
    logs.push(log);
    expect(log.kind).toBe('kafka');
  });
});
