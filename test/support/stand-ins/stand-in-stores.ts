/**
 * In-memory stand-ins for the gateway's ports — the contract registry, the audit log, partner pseudonyms, the
 * identity store and the budget ledger — for tests only. They keep the ports' semantics (audit append before
 * release, atomic budget spending) without durability. Noise is never stood in for: tests use the real sampler
 * (`policyNoise`).
 */
import { createHash, createHmac } from 'node:crypto';
import type {
  AuditEntry,
  AuditPort,
  BudgetPort,
  ContractView,
  ContractsPort,
  IdentityPort,
  PseudonymPort,
} from '../../../gateway/index.ts';

/** Contracts held in a map; `upsert` takes a JSON `ContractView`. */
export function createStandInContracts(initial: ContractView[] = []): ContractsPort {
  const contracts = new Map(initial.map((contract) => [contract.partnerId, contract]));
  return {
    get: (partnerId) => contracts.get(partnerId),
    list: () => [...contracts.values()],
    upsert(document) {
      const parsed = JSON.parse(document) as ContractView;
      if (typeof parsed.partnerId !== 'string' || (parsed.kind !== 'BRAND' && parsed.kind !== 'QSR')) {
        throw new Error('partnerId and kind (BRAND or QSR) are required');
      }
      const version = createHash('sha256').update(document).digest('hex').slice(0, 16);
      const contract = { ...parsed, version };
      contracts.set(contract.partnerId, contract);
      return contract;
    },
  };
}

/** A hash-chained in-memory audit log with a switch to make appends fail (fail-closed tests). */
export function createStandInAudit(): AuditPort & { failAppends: boolean; entries: AuditEntry[] } {
  const entries: AuditEntry[] = [];
  const hashes: string[] = [];
  const listeners = new Set<(entry: AuditEntry) => void>();
  const leaf = (entry: AuditEntry): string =>
    createHash('sha256').update(JSON.stringify(entry)).digest('hex');
  const root = (): string =>
    hashes.reduce((acc, hash) => createHash('sha256').update(acc).update(hash).digest('hex'), '');
  const audit = {
    failAppends: false,
    entries,
    async append(input: Omit<AuditEntry, 'id' | 'sequence'>) {
      if (audit.failAppends) throw new Error('audit store unavailable');
      const entry = { ...input, id: `decision-${entries.length}`, sequence: entries.length };
      entries.push(entry);
      hashes.push(leaf(entry));
      for (const listener of [...listeners]) listener(entry);
      return entry;
    },
    async list({ filter, afterSequence, first }: Parameters<AuditPort['list']>[0]) {
      const matching = entries.filter(
        (entry) =>
          (afterSequence === undefined || entry.sequence > afterSequence) &&
          (filter?.principal === undefined || entry.principal === filter.principal) &&
          (filter?.action === undefined || entry.action === filter.action) &&
          (filter?.effect === undefined || entry.effect === filter.effect) &&
          (filter?.since === undefined || entry.at >= filter.since) &&
          (filter?.until === undefined || entry.at < filter.until),
      );
      return { entries: matching.slice(0, first), hasNextPage: matching.length > first };
    },
    async size() {
      return entries.length;
    },
    async verify() {
      const bad = entries.findIndex((entry, index) => leaf(entry) !== hashes[index]);
      return { valid: bad < 0, size: entries.length, firstBadSequence: bad < 0 ? null : bad };
    },
    async signedTreeHead() {
      return { size: entries.length, rootHash: root(), signature: 'stand-in', at: new Date().toISOString() };
    },
    async inclusionProof(sequence: number) {
      if (sequence >= entries.length) throw new Error('no such entry');
      return {
        sequence,
        treeSize: entries.length,
        leafHash: hashes[sequence] ?? '',
        rootHash: root(),
        path: [],
      };
    },
    subscribe(listener: (entry: AuditEntry) => void) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
  return audit;
}

/** HMAC pseudonyms with a per-partner epoch counter. */
export function createStandInPseudonyms(secret = 'stand-in'): PseudonymPort {
  const epochs = new Map<string, number>();
  return {
    pseudonymFor(partnerId, subjectId) {
      const epoch = epochs.get(partnerId) ?? 1;
      return createHmac('sha256', `${secret}:${partnerId}:${epoch}`).update(subjectId).digest('base64url');
    },
    rotatePartnerKey(partnerId) {
      const epoch = (epochs.get(partnerId) ?? 1) + 1;
      epochs.set(partnerId, epoch);
      return { epoch, previousEpochValidUntil: new Date(Date.now() + 90 * 86_400_000).toISOString() };
    },
  };
}

/** Identity lookups from a fixed map of identifier hash to subject id. */
export function createStandInIdentity(links: Map<string, string> = new Map()): IdentityPort {
  return { subjectForHash: (hash) => links.get(hash) };
}

/** Budget per partner for one window (no rollover). */
export function createStandInBudget(): BudgetPort {
  const spent = new Map<string, number>();
  return {
    trySpend(partnerId, epsilon, contract) {
      const current = spent.get(partnerId) ?? 0;
      if (current + epsilon > contract.budgetEpsilon + 1e-9) return false;
      spent.set(partnerId, current + epsilon);
      return true;
    },
    preview(partnerId, contract) {
      const current = spent.get(partnerId) ?? 0;
      return {
        window: contract.budgetWindow,
        epsilonLimit: contract.budgetEpsilon,
        epsilonSpent: current,
        epsilonRemaining: Math.max(0, contract.budgetEpsilon - current),
      };
    },
  };
}
