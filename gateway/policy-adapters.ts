/**
 * Adapters from the policies/ area to the gateway's ports: the decision engine, the contract registry, the
 * audit log, the budget ledger, noise, the identity store and the partner key store. `createPolicyPorts`
 * builds them all; `cleanroom serve` passes the result to `createGateway`.
 */
import { parse as parseYaml } from 'yaml';
import {
  RESOURCE_KIND_OF_ACTION,
  decide,
  effectiveActivationMinimum,
  effectiveBudget,
  effectiveEpsilon,
  effectiveThreshold,
  effectiveUploadLimits,
  noisyCount,
} from '../policies/index.ts';
import type {
  Action,
  AuditEntry as PolicyAuditEntry,
  AuditLog,
  BudgetLedger,
  SharedBudgetLedger,
  ContractRegistry,
  HostConfig,
  IdentityStore,
  PartnerKeyStore,
  RegisteredContract,
  SharedPartnerKeyStore,
} from '../policies/index.ts';
import type {
  AuditEntry,
  AuditPort,
  BudgetPort,
  ContractView,
  ContractsPort,
  HostPrivacyView,
  IdentityPort,
  NoisePort,
  Obligations,
  PolicyPort,
  PseudonymPort,
} from './ports.ts';
import { GatewayError } from './errors.ts';

/** Describe a registered contract as the gateway reads it. */
export function toContractView(registered: RegisteredContract, host: HostConfig): ContractView {
  const { contract } = registered;
  const budget = effectiveBudget(host, contract);
  return {
    partnerId: contract.partnerId,
    kind: contract.kind,
    version: registered.version,
    purposes: [...contract.purposes],
    segments: [...contract.visibility.segments],
    campaigns: [...contract.visibility.campaigns.ids],
    ownCampaigns: contract.visibility.campaigns.own,
    triggerCategories: contract.visibility.triggers.categories,
    triggerRegions: contract.visibility.triggers.regions,
    ...(contract.visibility.footTraffic === undefined
      ? {}
      : { footTraffic: structuredClone(contract.visibility.footTraffic) }),
    kThreshold: effectiveThreshold(host, contract),
    epsilonPerAggregate: effectiveEpsilon(host, contract),
    budgetEpsilon: budget.epsilonLimit,
    budgetWindow: budget.window,
    pseudonymousSignals: contract.pseudonymousSignals,
    requestsPerMinute: contract.rateLimit.requestsPerMinute,
    maxSubscriptions: contract.rateLimit.maxSubscriptions,
    activationMinimum: effectiveActivationMinimum(host, contract),
    uploads: effectiveUploadLimits(host, contract),
    offers: { actions: [...contract.visibility.offers.actions] },
    inventory: {
      actions: [...contract.visibility.inventory.actions],
      substitution: contract.visibility.inventory.substitution,
    },
    ...(contract.visibility.bidding === undefined
      ? {}
      : { bidding: { actions: [...contract.visibility.bidding.actions] } }),
    identityProvider: contract.identityProvider ?? null,
  };
}

/** The host's privacy settings as the gateway reads them. */
export function toHostPrivacyView(host: HostConfig): HostPrivacyView {
  const { privacy } = host;
  return {
    consentDefault: { ...host.consentDefault },
    country: host.country,
    contributionBounds: { ...privacy.contributionBounds },
    activation: {
      hysteresis: privacy.activation.hysteresis,
      decisionIntervalSeconds: privacy.activation.decisionIntervalSeconds,
      epsilonPerDecision: privacy.activation.epsilonPerDecision,
    },
    continualRelease: { ...privacy.continualRelease },
  };
}

/** The contract registry as a contracts port; `upsert` takes YAML or JSON text. */
export function createRegistryContracts(registry: ContractRegistry, host: HostConfig): ContractsPort {
  return {
    get(partnerId) {
      const current = registry.current(partnerId);
      return current === undefined ? undefined : toContractView(current, host);
    },
    list: () => registry.all().map((registered) => toContractView(registered, host)),
    async upsert(document) {
      const parsed: unknown = parseYaml(document);
      const { current } = await registry.upsert(parsed, 'api', { host });
      return toContractView(current, host);
    },
  };
}

function toObligations(raw: {
  thresholdK?: number;
  noiseEpsilon?: number;
  pseudonymize?: unknown;
  coarsenGeo?: unknown;
  dropFields?: string[];
  exact?: boolean;
}): Obligations {
  return {
    thresholdK: raw.exact === true ? 0 : (raw.thresholdK ?? 0),
    noiseEpsilon: raw.noiseEpsilon ?? null,
    pseudonymize: raw.pseudonymize !== undefined,
    coarsenGeo: raw.coarsenGeo === 'country',
    dropFields: raw.dropFields ?? [],
    exact: raw.exact === true,
  };
}

/** The engine as a policy port. */
export function createEnginePolicy(options: {
  registry: ContractRegistry;
  host: HostConfig;
  keys?: PartnerKeyStore | SharedPartnerKeyStore;
  now?: () => Date;
}): PolicyPort {
  const now = options.now ?? (() => new Date());
  return {
    decide(principal, action, resource) {
      const contract = options.registry.current(principal.id);
      const contractVersion = contract?.version ?? null;
      if (action === 'me.read') {
        return {
          effect: 'allow',
          obligations: toObligations({}),
          reasons: ['a principal may read itself'],
          contractVersion,
        };
      }
      if (action === 'consent.read') {
        // The engine has no consent action yet: aggregate consent counts go to the host's own principals only.
        const listed = options.host.principals.some(
          (entry) => entry.id === principal.id && entry.role === principal.role,
        );
        return listed
          ? {
              effect: 'allow',
              obligations: toObligations({}),
              reasons: ['the host watches consent counts'],
              contractVersion,
            }
          : {
              effect: 'deny',
              code: 'FORBIDDEN',
              obligations: toObligations({}),
              reasons: [`role ${principal.role} may not read consent counts`],
              contractVersion,
            };
      }
      // Every other gateway action is an engine action by name.
      const engineAction: Action = action;
      const kind = RESOURCE_KIND_OF_ACTION[engineAction];
      const decision = decide(
        principal,
        engineAction,
        {
          kind,
          ...(resource.id !== undefined ? { id: resource.id } : {}),
          ...(resource.ownerId !== undefined ? { ownerPartnerId: resource.ownerId } : {}),
          ...(action === 'audience.upload' ? { ownerPartnerId: principal.id } : {}),
          ...(resource.segmentIds !== undefined ? { segmentIds: resource.segmentIds } : {}),
          ...(resource.categories !== undefined ? { categories: resource.categories } : {}),
          ...(resource.regions !== undefined ? { regions: resource.regions } : {}),
        },
        {
          contract: principal.role === 'BRAND' || principal.role === 'QSR' ? contract : undefined,
          host: options.host,
          now: now(),
          ...(options.keys && (principal.role === 'BRAND' || principal.role === 'QSR')
            ? { pseudonymEpoch: options.keys.currentEpoch(principal.id) }
            : {}),
        },
      );
      return {
        effect: decision.effect,
        ...(decision.effect === 'deny' ? { code: decision.code } : {}),
        obligations: toObligations(decision.obligations),
        reasons: decision.reasons,
        contractVersion: decision.contractVersion,
      };
    },
  };
}

function fromPolicyEntry(entry: PolicyAuditEntry): AuditEntry {
  return {
    id: entry.decisionId,
    sequence: entry.sequence,
    at: entry.at,
    principal: entry.principal.id,
    role: entry.principal.role,
    action: entry.action,
    resource: entry.resource,
    inputDigest: entry.inputDigest,
    effect: entry.effect === 'allow' ? 'allow' : 'deny',
    code: entry.code,
    obligations: entry.obligations as unknown as Obligations,
    reasons: entry.reasons,
    contractVersion: entry.contractVersion,
    result: entry.resultSummary,
  };
}

/**
 * The longest `resource` and reason the audit log accepts (policies/audit/audit-entry.ts); a longer one makes
 * the append fail, which the gateway must treat as an audit outage and fail closed.
 */
const AUDIT_TEXT_LIMITS = { resource: 2_048, reason: 1_024 } as const;

/**
 * `text` cut to `limit` characters, saying how long it was. Text that quotes a request (a segment list in a
 * denial) cannot then turn a refusal into an audit outage; the entry's input digest still pins the request.
 */
function clipAuditText(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const marker = `… (${text.length} characters)`;
  let end = limit - marker.length;
  // Never leave half a surrogate pair behind.
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return text.slice(0, end) + marker;
}

/** The audit log as an audit port. */
export function createAuditAdapter(log: AuditLog): AuditPort {
  return {
    async append(input) {
      // Group commit: appends arriving in the same turn share one durable transaction; each promise resolves
      // only after its entry is committed, so no answer leaves before its decision is on disk.
      const entry = await log.appendAsync({
        at: input.at,
        principal: { id: input.principal, role: input.role },
        action: input.action,
        resource: clipAuditText(input.resource, AUDIT_TEXT_LIMITS.resource),
        inputDigest: input.inputDigest,
        effect: input.effect,
        code: input.code,
        obligations: (input.obligations ?? {}) as unknown as Record<string, never>,
        reasons: input.reasons.map((reason) => clipAuditText(reason, AUDIT_TEXT_LIMITS.reason)),
        contractVersion: input.contractVersion,
        resultSummary: {
          rows: input.result?.rows ?? 0,
          suppressedRows: input.result?.suppressedRows ?? 0,
          epsilonSpent: input.result?.epsilonSpent ?? 0,
        },
      });
      return fromPolicyEntry(entry);
    },
    async list({ filter, afterSequence, first }) {
      const page = log.list(
        {
          ...(filter?.principal !== undefined ? { principalId: filter.principal } : {}),
          ...(filter?.action !== undefined ? { action: filter.action } : {}),
          ...(filter?.effect !== undefined ? { effect: filter.effect } : {}),
          ...(filter?.since !== undefined ? { from: filter.since } : {}),
          ...(filter?.until !== undefined ? { to: filter.until } : {}),
        },
        first,
        afterSequence ?? null,
      );
      return {
        entries: page.edges.map((edge) => fromPolicyEntry(edge.node)),
        hasNextPage: page.pageInfo.hasNextPage,
      };
    },
    size: async () => log.size(),
    async verify() {
      const { valid, size, firstBadSequence } = await log.verify();
      return { valid, size, firstBadSequence };
    },
    async signedTreeHead() {
      const { size, rootHash, signature, at } = await log.signedTreeHead();
      return { size, rootHash, signature, at };
    },
    async inclusionProof(sequence) {
      const proof = log.inclusionProof(sequence);
      return {
        sequence: proof.sequence,
        treeSize: proof.treeSize,
        leafHash: proof.leafHash,
        rootHash: proof.rootHash,
        path: proof.auditPath,
      };
    },
    subscribe: (listener) => log.subscribe((entry) => listener(fromPolicyEntry(entry))),
  };
}

/**
 * The budget ledger as a budget port (one budget per partner, contract version and window): the embedded default's
 * SQLite ledger, or the control plane's shared one that every gateway replica spends from.
 */
export function createBudgetAdapter(ledger: BudgetLedger | SharedBudgetLedger): BudgetPort {
  const keyOf = (partnerId: string, contract: ContractView) => ({
    partnerId,
    contractVersion: contract.version,
    window: contract.budgetWindow,
    epsilonLimit: contract.budgetEpsilon,
  });
  return {
    // SQLite: group commit, concurrent requests share one durable transaction (one fsync), each resolved after it.
    // PostgreSQL: one conditional statement per spend; the server serialises spenders of every replica.
    trySpend: async (partnerId, epsilon, contract) => {
      const request = { ...keyOf(partnerId, contract), epsilon };
      return (
        'trySpendGrouped' in ledger ? await ledger.trySpendGrouped(request) : await ledger.trySpend(request)
      ).spent;
    },
    async preview(partnerId, contract) {
      const status = await ledger.preview(keyOf(partnerId, contract));
      return {
        window: status.window,
        epsilonLimit: status.epsilonLimit,
        epsilonSpent: status.epsilonSpent,
        epsilonRemaining: status.epsilonRemaining,
      };
    },
  };
}

/** Exact discrete Laplace noise from policies/privacy (CSPRNG, integer arithmetic). */
export const policyNoise: NoisePort = {
  noisyCount: (value, epsilon, sensitivity = 1) => noisyCount(value, epsilon, sensitivity),
};

/**
 * The identity store as an identity port (uploaded UID2 email hashes only). A gateway replica (`serve --role
 * gateway`) has no identity store — ingest's identity links live with the processors — so it refuses audience
 * uploads instead of resolving every hash to nobody.
 */
export function createIdentityAdapter(store: IdentityStore | undefined): IdentityPort {
  if (store === undefined) {
    return {
      subjectForHash() {
        throw new GatewayError(
          'FORBIDDEN',
          'audience uploads are taken only by a gateway that runs with the processors (serve --role all)',
          { reason: 'UPLOADS_NEED_IDENTITY_LINKS' },
        );
      },
    };
  }
  return { subjectForHash: (hash) => store.resolveUploadedEmailHash(hash) ?? undefined };
}

/** The partner key store as a pseudonym port. */
export function createPseudonymAdapter(keys: PartnerKeyStore | SharedPartnerKeyStore): PseudonymPort {
  return {
    pseudonymFor: (partnerId, subjectId) => keys.pseudonymFor(partnerId, subjectId),
    async rotatePartnerKey(partnerId) {
      const rotation = await keys.rotatePartnerKey(partnerId);
      return { epoch: rotation.epoch, previousEpochValidUntil: rotation.previousEpochValidUntil };
    },
  };
}

/** What `createPolicyPorts` needs: the policies/ services the composition opened. */
export interface PolicyServices {
  registry: ContractRegistry;
  host: HostConfig;
  auditLog: AuditLog;
  ledger: BudgetLedger | SharedBudgetLedger;
  /** Ingest's identity store; absent on a gateway replica (see {@link createIdentityAdapter}). */
  identity: IdentityStore | undefined;
  keys: PartnerKeyStore | SharedPartnerKeyStore;
  now?: () => Date;
}

/** Every port of the gateway from the real policies/ services. */
export function createPolicyPorts(services: PolicyServices) {
  return {
    policy: createEnginePolicy({
      registry: services.registry,
      host: services.host,
      keys: services.keys,
      ...(services.now ? { now: services.now } : {}),
    }),
    contracts: createRegistryContracts(services.registry, services.host),
    audit: createAuditAdapter(services.auditLog),
    budget: createBudgetAdapter(services.ledger),
    noise: policyNoise,
    identity: createIdentityAdapter(services.identity),
    pseudonyms: createPseudonymAdapter(services.keys),
    privacy: toHostPrivacyView(services.host),
  };
}
