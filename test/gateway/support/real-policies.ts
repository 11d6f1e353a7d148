/**
 * The real policies/ services on SQLite files in a test's data dir, adapted to the gateway's ports, with test
 * contracts written in the contract-file format.
 */
import { randomBytes } from 'node:crypto';
import {
  createAuditLog,
  createBudgetLedger,
  createContractRegistry,
  createIdentityStore,
  createPartnerKeyStore,
  hostConfigSchema,
  loadOrCreateAuditSigningKey,
} from '../../../policies/index.ts';
import type { AuditLog, HostConfigInput, PartnerContractInput } from '../../../policies/index.ts';
import { createPolicyPorts } from '../../../gateway/policy-adapters.ts';
import type { ContractView } from '../../../gateway/index.ts';

/** A test contract view in the contract-file format. */
export function toContractInput(view: ContractView): PartnerContractInput {
  return {
    partnerId: view.partnerId,
    kind: view.kind,
    purposes: view.purposes as PartnerContractInput['purposes'],
    visibility: {
      segments: view.segments,
      campaigns: { own: view.ownCampaigns, ids: view.campaigns },
      triggers: { categories: view.triggerCategories, regions: view.triggerRegions },
      ...(view.inventory === undefined || view.kind !== 'BRAND'
        ? {}
        : {
            inventory: {
              actions: view.inventory.actions as Array<'stock.status' | 'campaign.pauses'>,
              substitution: view.inventory.substitution,
            },
          }),
      ...(view.bidding === undefined || view.kind !== 'BRAND'
        ? {}
        : { bidding: { actions: view.bidding.actions as Array<'campaign.bids.subscribe'> } }),
      ...(view.offers === undefined || view.kind !== 'BRAND'
        ? {}
        : { offers: { actions: view.offers.actions as Array<'offers.report'> } }),
    },
    kThreshold: view.kThreshold,
    dp: {
      epsilonPerQuery: view.epsilonPerAggregate,
      budget: { epsilon: view.budgetEpsilon, window: view.budgetWindow },
    },
    pseudonymousSignals: view.pseudonymousSignals,
    ...(view.requestsPerMinute !== null
      ? {
          rateLimit: {
            requestsPerMinute: view.requestsPerMinute,
            maxSubscriptions: view.maxSubscriptions ?? 100,
          },
        }
      : { rateLimit: { requestsPerMinute: 100_000, maxSubscriptions: view.maxSubscriptions ?? 100 } }),
  };
}

/**
 * What else a test (or a benchmark: bench/suites/queries uses this module too) may give the real policies:
 * contracts in the file format, host settings, the host's principals, the audit log's fsync level.
 */
export interface RealPolicyOptions {
  contractInputs?: PartnerContractInput[];
  host?: Omit<HostConfigInput, 'kind' | 'principals'>;
  /** Default: `officer-1` (PRIVACY_OFFICER) and `ops-1` (HOST_ADMIN). */
  principals?: HostConfigInput['principals'];
  /** Default FULL, as in production. */
  auditSynchronous?: 'FULL' | 'NORMAL';
}

/** Open the real services and their ports. */
export async function openRealPolicies(
  dataDir: string,
  contracts: ContractView[],
  options: RealPolicyOptions = {},
) {
  const host = hostConfigSchema.parse({
    kind: 'HOST',
    ...options.host,
    principals: options.principals ?? [
      { id: 'officer-1', role: 'PRIVACY_OFFICER' },
      { id: 'ops-1', role: 'HOST_ADMIN' },
    ],
  });
  const hostSecret = new Uint8Array(randomBytes(32));
  const registry = createContractRegistry(`${dataDir}/contracts.sqlite`);
  for (const view of contracts) await registry.upsert(toContractInput(view), 'file', { host });
  for (const input of options.contractInputs ?? []) await registry.upsert(input, 'file', { host });
  const auditLog: AuditLog = createAuditLog({
    path: `${dataDir}/audit.sqlite`,
    signingKey: await loadOrCreateAuditSigningKey(dataDir),
    sthIntervalMs: 0,
    synchronous: options.auditSynchronous ?? 'FULL',
  });
  const ledger = createBudgetLedger(`${dataDir}/budgets.sqlite`);
  const identity = createIdentityStore(`${dataDir}/identity.sqlite`, { hostSecret });
  const keys = createPartnerKeyStore(dataDir, { hostSecret });
  const ports = createPolicyPorts({ registry, host, auditLog, ledger, identity, keys });
  return {
    ports,
    hostPrincipals: host.principals.map((principal) => principal.id),
    identity,
    async close() {
      await auditLog.close();
      ledger.close();
      identity.close();
      keys.close();
      registry.close();
    },
  };
}
