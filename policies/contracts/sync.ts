import { loadContracts } from './load.ts';
import type { LoadedContracts } from './load.ts';
import type { ContractRegistry } from './registry.ts';

/** What {@link importContractsFromDir} did. */
export interface ImportedContracts extends LoadedContracts {
  /** Partner ids whose current version changed (new partner or new content). */
  changed: string[];
}

/**
 * Loads a contracts folder and stores each valid contract in the registry as source `file` (each change
 * goes through the registry's change listeners, i.e. is audited). Contracts whose content is already
 * current are left alone; refused files are returned in `errors` and change nothing.
 *
 * @example
 * const { host, errors } = await importContractsFromDir(registry, 'examples/contracts', { actor: 'host-ops' });
 */
export async function importContractsFromDir(
  registry: ContractRegistry,
  dir: string,
  options: { actor?: string; at?: Date } = {},
): Promise<ImportedContracts> {
  const loaded = loadContracts(dir);
  const changed: string[] = [];
  for (const { contract } of loaded.contracts) {
    const result = await registry.upsert(contract, 'file', { ...options, host: loaded.host });
    if (result.changed) changed.push(contract.partnerId);
  }
  return { ...loaded, changed };
}
