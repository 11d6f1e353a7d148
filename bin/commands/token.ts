/**
 * `cleanroom token --partner ID --role ROLE [--ttl 1h] [--data-dir DIR] [--contracts DIR]`: mint a development
 * token signed with the embedded default's key (`<dataDir>/secrets/`, created on first use), which `serve`
 * accepts only with `--dev-tokens`. It refuses (exit 1) a token the gateway would refuse anyway: a partner no
 * contract names, a role its contract's kind does not have, a partner that signs in with its own identity
 * provider, an id the host configuration does not list as a host principal of that role. Contracts are read from
 * the contracts folder and from the data folder's registry (which also holds contracts upserted through the API).
 */
import fs from 'node:fs';
import path from 'node:path';
import { ROLES, loadOrCreateDevKeyPair, mintDevToken } from '../../gateway/index.ts';
import type { Role } from '../../gateway/index.ts';
import { DEFAULT_HOST_CONFIG, createContractRegistry, loadContracts } from '../../policies/index.ts';
import type { HostConfig, PartnerContract } from '../../policies/index.ts';
import { parseCommandArgs, usageError } from './command-args.ts';

const USAGE =
  'usage: cleanroom token --partner ID --role BRAND|QSR|PRIVACY_OFFICER|HOST_ADMIN [--ttl 1h] [--data-dir DIR]\n' +
  '                       [--contracts DIR]\n';

interface KnownPrincipals {
  host: HostConfig;
  /** Where the host configuration came from, for messages. */
  hostSource: string;
  contract(partnerId: string): PartnerContract | undefined;
  /** Where contracts were looked up, for messages. */
  sources: string[];
}

function knownPrincipals(contractsDir: string, dataDir: string): KnownPrincipals {
  const sources: string[] = [];
  const fromFolder = new Map<string, PartnerContract>();
  let host = DEFAULT_HOST_CONFIG;
  let hostSource = 'the host defaults (no host configuration found)';
  if (fs.existsSync(contractsDir) && fs.statSync(contractsDir).isDirectory()) {
    const loaded = loadContracts(contractsDir);
    for (const { contract } of loaded.contracts) fromFolder.set(contract.partnerId, contract);
    host = loaded.host;
    if (loaded.hostFile !== null) hostSource = loaded.hostFile;
    sources.push(contractsDir);
  }
  // The registry holds what `serve` loaded and what HOST_ADMIN upserted since; its current version wins.
  const fromRegistry = new Map<string, PartnerContract>();
  const registryFile = path.join(dataDir, 'contracts.sqlite');
  if (fs.existsSync(registryFile)) {
    const registry = createContractRegistry(registryFile);
    try {
      for (const { contract } of registry.all()) fromRegistry.set(contract.partnerId, contract);
    } finally {
      registry.close();
    }
    sources.push(registryFile);
  }
  return {
    host,
    hostSource,
    contract: (partnerId) => fromRegistry.get(partnerId) ?? fromFolder.get(partnerId),
    sources,
  };
}

/** Why the gateway would refuse a token for this principal, or null. */
function refusal(partnerId: string, role: Role, known: KnownPrincipals): string | null {
  const contract = known.contract(partnerId);
  if (role === 'BRAND' || role === 'QSR') {
    if (contract === undefined) {
      const where =
        known.sources.length > 0 ? known.sources.join(' and ') : 'no contracts folder or registry';
      return `no contract names partner '${partnerId}' (looked in ${where}); see \`cleanroom contracts check\``;
    }
    if (contract.kind !== role)
      return `partner '${partnerId}' has a ${contract.kind} contract; its tokens carry role ${contract.kind}`;
    if (contract.identityProvider !== undefined)
      return (
        `partner '${partnerId}' signs in with its own identity provider (issuer ${contract.identityProvider.issuer}); ` +
        'the gateway accepts no development token for it'
      );
    return null;
  }
  if (contract !== undefined) return `'${partnerId}' is a partner (${contract.kind}), not a host principal`;
  const listed = known.host.principals.find((principal) => principal.id === partnerId);
  if (listed === undefined) {
    const ids = known.host.principals.map((principal) => principal.id).join(', ') || 'none';
    return `'${partnerId}' is not a host principal in ${known.hostSource} (principals: ${ids})`;
  }
  if (listed.role !== role) return `'${partnerId}' is ${listed.role} in ${known.hostSource}, not ${role}`;
  return null;
}

/** Run `cleanroom token`; resolves to the exit code. */
export async function run(argv: string[]): Promise<number> {
  const values = parseCommandArgs('token', USAGE, argv, {
    partner: { type: 'string' },
    role: { type: 'string' },
    ttl: { type: 'string', default: '1h' },
    'data-dir': { type: 'string' },
    contracts: { type: 'string' },
  });
  if (typeof values === 'number') return values;
  const role = values.role?.toUpperCase();
  if (values.partner === undefined || values.partner === '' || role === undefined)
    return usageError('token', USAGE, '--partner and --role are required');
  if (!(ROLES as readonly string[]).includes(role))
    return usageError('token', USAGE, `unknown role '${values.role}'`);
  if (!/^\d+[smhdw]$/.test(values.ttl)) {
    process.stderr.write(`cleanroom token: --ttl must look like 30m, 1h or 7d\n`);
    return 2;
  }
  const dataDir = values['data-dir'] ?? (process.env['CLEANROOM_DATA_DIR'] || './data');
  const contractsDir = values.contracts ?? (process.env['CLEANROOM_CONTRACTS_DIR'] || 'examples/contracts');
  const refused = refusal(values.partner, role as Role, knownPrincipals(contractsDir, dataDir));
  if (refused !== null) {
    process.stderr.write(`cleanroom token: ${refused}\n`);
    return 1;
  }
  const pair = await loadOrCreateDevKeyPair(dataDir);
  const token = await mintDevToken(pair, { partnerId: values.partner, role: role as Role, ttl: values.ttl });
  process.stdout.write(`${token}\n`);
  return 0;
}
