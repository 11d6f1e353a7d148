/**
 * The control plane a `serve` process governs with: the audit log, the privacy budgets and the partner keys. In
 * the embedded default they are SQLite files in the data folder (one gateway); with `CLEANROOM_DATABASE_URL` they
 * are tables in one PostgreSQL database that every gateway replica shares, so a budget is spent once, a shopper
 * has one pseudonym per partner, and the audit log is one Merkle tree whoever wrote each decision.
 */
import path from 'node:path';
import {
  createBudgetLedger,
  createPartnerKeyStore,
  createSharedBudgetLedger,
  createSharedPartnerKeyStore,
  openAuditLog,
} from '../../policies/index.ts';
import type {
  AuditLog,
  BudgetLedger,
  HostSecrets,
  PartnerKeyStore,
  SharedBudgetLedger,
  SharedPartnerKeyStore,
} from '../../policies/index.ts';
import { openPostgres } from '../../schema/db/index.ts';

/** Environment variable naming the cluster's PostgreSQL control plane. */
export const DATABASE_URL_ENV = 'CLEANROOM_DATABASE_URL';

/** An open control plane. */
export interface ControlPlane {
  /** Where it lives: `sqlite` (this data folder) or `postgres` (shared by replicas). */
  kind: 'sqlite' | 'postgres';
  auditLog: AuditLog;
  ledger: BudgetLedger | SharedBudgetLedger;
  keys: PartnerKeyStore | SharedPartnerKeyStore;
  close(): Promise<void>;
}

/**
 * Open the control plane: PostgreSQL at `databaseUrl` when given, else SQLite files under `dataDir`.
 *
 * @example
 * const controlPlane = await openControlPlane({ dataDir, secrets, databaseUrl: process.env.CLEANROOM_DATABASE_URL });
 */
export async function openControlPlane(options: {
  dataDir: string;
  secrets: HostSecrets;
  databaseUrl?: string | undefined;
  onError?: (error: unknown) => void;
}): Promise<ControlPlane> {
  const { dataDir, secrets, databaseUrl } = options;
  const auditLog = await openAuditLog({ dataDir });
  if (databaseUrl === undefined || databaseUrl === '') {
    const ledger = createBudgetLedger(path.join(dataDir, 'budgets.sqlite'));
    const keys = createPartnerKeyStore(dataDir, { hostSecret: secrets.hostSecret });
    return {
      kind: 'sqlite',
      auditLog,
      ledger,
      keys,
      async close() {
        await auditLog.close();
        ledger.close();
        keys.close();
      },
    };
  }
  const database = await openPostgres(databaseUrl, 'control-plane', { applicationName: 'cleanroom-serve' });
  const keys = await createSharedPartnerKeyStore(database, {
    hostSecret: secrets.hostSecret,
    ...(options.onError ? { onError: options.onError } : {}),
  });
  return {
    kind: 'postgres',
    auditLog,
    ledger: createSharedBudgetLedger(database),
    keys,
    async close() {
      keys.close();
      await auditLog.close();
      await database.close();
    },
  };
}
