import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ContractChangeRejectedError,
  ContractValidationError,
  createContractRegistry,
} from '../../../policies/contracts/index.ts';
import type { ContractChange, ContractRegistry } from '../../../policies/contracts/index.ts';
import { createTempDir, removeTempDir } from '../../helpers/temp-dir.ts';

const FRESH_OATS = {
  partnerId: 'fresh-oats',
  kind: 'BRAND',
  purposes: ['measurement'],
  visibility: { segments: ['plant-based-buyers'], campaigns: 'own' },
};
const AT = new Date('2026-03-10T12:00:00Z');

describe('createContractRegistry', () => {
  let dir: string;
  let dbPath: string;
  const open: ContractRegistry[] = [];
  const openRegistry = (options?: Parameters<typeof createContractRegistry>[1]) => {
    const registry = createContractRegistry(dbPath, options);
    open.push(registry);
    return registry;
  };

  beforeEach(() => {
    dir = createTempDir('registry');
    dbPath = join(dir, 'contracts.db');
  });
  afterEach(() => {
    for (const registry of open.splice(0)) registry.close();
    removeTempDir(dir);
  });

  it('keeps every version, named by content hash, and reports each change before storing it', async () => {
    const changes: ContractChange[] = [];
    const registry = openRegistry({ onChange: (change) => void changes.push(change) });
    const first = await registry.upsert(FRESH_OATS, 'file', { at: AT });
    expect(first).toMatchObject({ changed: true, previousVersion: null });
    const same = await registry.upsert({ ...FRESH_OATS }, 'file', { at: AT });
    expect(same.changed).toBe(false);
    const second = await registry.upsert({ ...FRESH_OATS, kThreshold: 80 }, 'api', {
      actor: 'host-ops',
      at: AT,
    });
    expect(second).toMatchObject({ changed: true, previousVersion: first.current.version });

    expect(registry.current('fresh-oats')).toMatchObject({
      version: second.current.version,
      source: 'api',
      actor: 'host-ops',
      contract: { kThreshold: 80 },
    });
    expect(registry.versions('fresh-oats').map((entry) => entry.version)).toEqual([
      first.current.version,
      second.current.version,
    ]);
    expect(changes).toEqual([
      {
        partnerId: 'fresh-oats',
        previousVersion: null,
        version: first.current.version,
        source: 'file',
        actor: null,
        at: AT.toISOString(),
      },
      {
        partnerId: 'fresh-oats',
        previousVersion: first.current.version,
        version: second.current.version,
        source: 'api',
        actor: 'host-ops',
        at: AT.toISOString(),
      },
    ]);
  });

  it('re-activating an earlier version records it again as current', async () => {
    const registry = openRegistry();
    const first = await registry.upsert(FRESH_OATS, 'file');
    await registry.upsert({ ...FRESH_OATS, kThreshold: 80 }, 'api');
    await registry.upsert(FRESH_OATS, 'file');
    expect(registry.current('fresh-oats')?.version).toBe(first.current.version);
    expect(registry.versions('fresh-oats')).toHaveLength(3);
  });

  it('stores nothing when the change listener (the audit log) fails', async () => {
    const registry = openRegistry({
      onChange: async () => {
        throw new Error('audit log unavailable');
      },
    });
    await expect(registry.upsert(FRESH_OATS, 'api')).rejects.toBeInstanceOf(ContractChangeRejectedError);
    expect(registry.current('fresh-oats')).toBeUndefined();
  });

  it('refuses an invalid contract with CONTRACT_INVALID', async () => {
    const registry = openRegistry();
    await expect(registry.upsert({ ...FRESH_OATS, kind: 'BANK' }, 'api')).rejects.toBeInstanceOf(
      ContractValidationError,
    );
  });

  it('lists the current contract of every partner, and persists across reopen', async () => {
    const registry = openRegistry();
    await registry.upsert(FRESH_OATS, 'file');
    await registry.upsert({ ...FRESH_OATS, partnerId: 'sparkle-soda' }, 'file');
    await registry.upsert({ ...FRESH_OATS, kThreshold: 90 }, 'api');
    const reopened = openRegistry();
    expect(reopened.all().map((entry) => [entry.contract.partnerId, entry.contract.kThreshold])).toEqual([
      ['fresh-oats', 90],
      ['sparkle-soda', undefined],
    ]);
  });

  it('sees a change made through another connection to the same file, and hands out frozen values', async () => {
    const reader = openRegistry();
    const writer = openRegistry();
    await writer.upsert(FRESH_OATS, 'file');
    const before = reader.current('fresh-oats');
    expect(Object.isFrozen(before?.contract.visibility.segments)).toBe(true);
    await writer.upsert({ ...FRESH_OATS, kThreshold: 75 }, 'api');
    expect(reader.current('fresh-oats')?.contract.kThreshold).toBe(75);
    expect(reader.current('sparkle-soda')).toBeUndefined();
    await writer.upsert({ ...FRESH_OATS, partnerId: 'sparkle-soda' }, 'api');
    expect(reader.current('sparkle-soda')?.contract.partnerId).toBe('sparkle-soda');
  });

  it('listeners added later are called, and can be removed', async () => {
    const registry = openRegistry();
    const seen: string[] = [];
    const remove = registry.onChange((change) => void seen.push(change.version));
    await registry.upsert(FRESH_OATS, 'file');
    remove();
    await registry.upsert({ ...FRESH_OATS, kThreshold: 70 }, 'file');
    expect(seen).toHaveLength(1);
  });

  it('concurrent upserts are audited in the order they are stored', async () => {
    const changes: ContractChange[] = [];
    const registry = openRegistry({ onChange: (change) => void changes.push(change) });
    await Promise.all([60, 70, 80].map((k) => registry.upsert({ ...FRESH_OATS, kThreshold: k }, 'api')));
    const stored = registry.versions('fresh-oats').map((entry) => entry.version);
    expect(changes.map((change) => change.version)).toEqual(stored);
    expect(changes.map((change) => change.previousVersion)).toEqual([null, stored[0], stored[1]]);
  });
});
