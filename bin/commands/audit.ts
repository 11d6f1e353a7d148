import fs from 'node:fs';
import { parseArgs } from 'node:util';
import type { JWK } from 'jose';
import {
  AuditError,
  auditLogPath,
  loadAuditPublicJwk,
  openAuditStore,
  verifyAuditStore,
} from '../../policies/audit/index.ts';

const USAGE = `usage: cleanroom audit verify [--data DIR] [--public-key FILE] [--json]
       cleanroom audit export [--from N] [--to M] [--data DIR]

  verify   recompute the decision log from its entries: leaf hashes, sequence, Merkle nodes and every signed
           tree head; exits 1 naming the first bad sequence number
  export   write entries N..M (inclusive) as JSON lines: each line is the entry's canonical bytes, so
           SHA-256(0x00 || line) is its RFC 6962 leaf hash
  --data   data directory (default: CLEANROOM_DATA_DIR or ./data); the log is <data>/audit.sqlite
`;

function dataDirOf(value: string | undefined): string {
  return value ?? process.env.CLEANROOM_DATA_DIR ?? './data';
}

function parseSequence(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new AuditError('INVALID_RANGE', `--${name} must be a sequence number`);
  return Number(value);
}

async function verify(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { data: { type: 'string' }, 'public-key': { type: 'string' }, json: { type: 'boolean' } },
    strict: true,
  });
  const dataDir = dataDirOf(values.data);
  const publicJwk: JWK | undefined =
    values['public-key'] === undefined
      ? await loadAuditPublicJwk(dataDir)
      : (JSON.parse(fs.readFileSync(values['public-key'], 'utf8')) as JWK);
  const store = openAuditStore(auditLogPath(dataDir), { readonly: true });
  try {
    const result = await verifyAuditStore(store, { publicJwk });
    if (values.json === true) {
      process.stdout.write(`${JSON.stringify(result)}\n`);
    } else if (result.valid) {
      process.stdout.write(`audit log valid: ${result.reason}\n`);
    } else {
      process.stdout.write(
        `audit log INVALID: first bad sequence ${String(result.firstBadSequence)}: ${result.reason}\n` +
          `${result.size} entries verified before it; latest good signed tree head at size ${result.signedSize}\n`,
      );
    }
    if (!result.valid) process.stderr.write(`first bad sequence: ${String(result.firstBadSequence)}\n`);
    return result.valid ? 0 : 1;
  } finally {
    store.close();
  }
}

async function exportEntries(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { data: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' } },
    strict: true,
  });
  const from = parseSequence(values.from, 'from') ?? 0;
  const to = parseSequence(values.to, 'to');
  const store = openAuditStore(auditLogPath(dataDirOf(values.data)), { readonly: true });
  try {
    const end = to === undefined ? Number.MAX_SAFE_INTEGER : to + 1;
    let batch: string[] = [];
    for (const row of store.iterate(from, end)) {
      batch.push(row.entry.toString('utf8'));
      if (batch.length >= 1000) {
        process.stdout.write(`${batch.join('\n')}\n`);
        batch = [];
      }
    }
    if (batch.length > 0) process.stdout.write(`${batch.join('\n')}\n`);
    return 0;
  } finally {
    store.close();
  }
}

/**
 * `cleanroom audit verify|export`: check the tamper-evident decision log, or export a range of it.
 * Exit codes: 0 ok, 1 the log does not verify, 2 usage error or no readable log.
 */
export async function run(argv: string[]): Promise<number> {
  const [subcommand, ...rest] = argv;
  try {
    if (subcommand === 'verify') return await verify(rest);
    if (subcommand === 'export') return await exportEntries(rest);
    process.stderr.write(USAGE);
    return subcommand === '--help' || subcommand === '-h' ? 0 : 2;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`cleanroom audit: ${message}\n`);
    return 2;
  }
}
