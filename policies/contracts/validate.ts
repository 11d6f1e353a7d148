import type { z } from 'zod';
import { contentHash } from './canonical-json.ts';
import { ContractValidationError } from './errors.ts';
import type { ContractProblem } from './errors.ts';
import { DEFAULT_HOST_CONFIG, hostConfigSchema, partnerContractSchema } from './schema.ts';
import type { HostConfig, PartnerContract } from './schema.ts';

/** A validated contract with its version: `sha256:` + hex of the canonical JSON of the contract. */
export interface VersionedContract {
  version: string;
  contract: PartnerContract;
}

/** Either the value or every problem found. */
export type ParseResult<Value> = { ok: true; value: Value } | { ok: false; problems: ContractProblem[] };

/** Where the input came from, for error messages: a file path, or `(api)` by default. */
export interface ParseOptions {
  file?: string;
  /** Host rules to check the contract against (threshold floor, principal ids). Default: the defaults. */
  host?: HostConfig;
}

function problemsOf(file: string, error: z.ZodError): ContractProblem[] {
  return error.issues.map((issue) => ({
    file,
    field: issue.path.length === 0 ? '(root)' : issue.path.map(String).join('.'),
    reason: issue.message,
  }));
}

/** The version name of a validated contract. */
export function contractVersionOf(contract: PartnerContract): string {
  return contentHash(contract);
}

/**
 * Validates a partner contract (file content or `upsertContract` input) against the schema and the
 * host rules: the threshold may only raise the host floor, and a partner may not take a host principal's id.
 */
export function safeParseContract(
  input: unknown,
  options: ParseOptions = {},
): ParseResult<VersionedContract> {
  const file = options.file ?? '(api)';
  const host = options.host ?? DEFAULT_HOST_CONFIG;
  const parsed = partnerContractSchema.safeParse(input);
  if (!parsed.success) return { ok: false, problems: problemsOf(file, parsed.error) };
  const contract = parsed.data;
  const problems: ContractProblem[] = [];
  if (contract.kThreshold !== undefined && contract.kThreshold < host.thresholdFloor) {
    problems.push({
      file,
      field: 'kThreshold',
      reason: `may only raise the host threshold floor of ${host.thresholdFloor}, not lower it to ${contract.kThreshold}`,
    });
  }
  if (host.principals.some((principal) => principal.id === contract.partnerId)) {
    problems.push({ file, field: 'partnerId', reason: `'${contract.partnerId}' is a host principal` });
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, value: { version: contractVersionOf(contract), contract } };
}

/** {@link safeParseContract}, throwing {@link ContractValidationError} on any problem. */
export function parseContract(input: unknown, options: ParseOptions = {}): VersionedContract {
  const result = safeParseContract(input, options);
  if (!result.ok) throw new ContractValidationError(result.problems);
  return result.value;
}

/** Validates a host configuration document. */
export function safeParseHostConfig(input: unknown, file = '(api)'): ParseResult<HostConfig> {
  const parsed = hostConfigSchema.safeParse(input);
  return parsed.success
    ? { ok: true, value: parsed.data }
    : { ok: false, problems: problemsOf(file, parsed.error) };
}
