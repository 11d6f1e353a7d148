import { copyFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createContractRegistry, importContractsFromDir } from '../../../policies/contracts/index.ts';
import type { ContractChange, ContractRegistry } from '../../../policies/contracts/index.ts';
import { createTempDir, removeTempDir } from '../../helpers/temp-dir.ts';

const EXAMPLES = fileURLToPath(new URL('../../../examples/contracts/', import.meta.url));

describe('importContractsFromDir', () => {
  let dir: string;
  let registry: ContractRegistry;
  const changes: ContractChange[] = [];

  beforeEach(() => {
    dir = createTempDir('contracts-sync');
    for (const name of readdirSync(EXAMPLES)) copyFileSync(join(EXAMPLES, name), join(dir, name));
    changes.length = 0;
    registry = createContractRegistry(join(dir, 'contracts.db'), {
      onChange: (change) => void changes.push(change),
    });
  });
  afterEach(() => {
    registry.close();
    removeTempDir(dir);
  });

  it('stores every valid contract as a file change, and re-importing unchanged files changes nothing', async () => {
    const first = await importContractsFromDir(registry, dir, { actor: 'host-ops' });
    expect(first.changed).toEqual(['burger-barn', 'fresh-oats', 'sparkle-soda']);
    expect(changes.map((change) => [change.partnerId, change.source, change.actor])).toEqual([
      ['burger-barn', 'file', 'host-ops'],
      ['fresh-oats', 'file', 'host-ops'],
      ['sparkle-soda', 'file', 'host-ops'],
    ]);
    const again = await importContractsFromDir(registry, dir);
    expect(again.changed).toEqual([]);
    expect(changes).toHaveLength(3);
  });

  it('a refused file leaves the stored version in force', async () => {
    await importContractsFromDir(registry, dir);
    const stored = registry.current('sparkle-soda')?.version;
    writeFileSync(join(dir, 'sparkle-soda.yaml'), 'partnerId: sparkle-soda\nkind: BRAND\npurposes: []\n');
    const result = await importContractsFromDir(registry, dir);
    expect(result.errors.map((problem) => problem.field)).toEqual(['purposes']);
    expect(registry.current('sparkle-soda')?.version).toBe(stored);
  });
});
