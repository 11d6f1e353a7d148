import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { contentHash } from './canonical-json.ts';
import type { ContractProblem } from './errors.ts';
import { DEFAULT_HOST_CONFIG } from './schema.ts';
import type { HostConfig } from './schema.ts';
import { safeParseContract, safeParseHostConfig } from './validate.ts';
import type { ParseOptions, ParseResult, VersionedContract } from './validate.ts';

/** A contract loaded from a file. */
export interface LoadedContract extends VersionedContract {
  file: string;
}

/** Everything {@link loadContracts} found: the good contracts, the host rules, and every refusal. */
export interface LoadedContracts {
  contracts: LoadedContract[];
  /** The host configuration, or {@link DEFAULT_HOST_CONFIG} if the folder has none (or it is invalid). */
  host: HostConfig;
  /** The host file, or null when the defaults apply. */
  hostFile: string | null;
  /** Content hash of the host configuration in force. */
  hostVersion: string;
  errors: ContractProblem[];
}

const CONTRACT_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

type DocumentResult = { ok: true; document: unknown } | { ok: false; problem: ContractProblem };

function parseDocument(text: string, file: string, json: boolean): DocumentResult {
  try {
    // YAML 1.2 is a superset of JSON; JSON.parse gives clearer messages for .json files.
    return { ok: true, document: json ? JSON.parse(text) : parseYaml(text) };
  } catch (error: unknown) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return { ok: false, problem: { file, field: '(file)', reason: `cannot be parsed: ${reason}` } };
  }
}

function readDocument(file: string): DocumentResult {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error: unknown) {
    const reason = error instanceof Error ? error.message : String(error);
    return { ok: false, problem: { file, field: '(file)', reason: `cannot be read: ${reason}` } };
  }
  return parseDocument(text, file, extname(file) === '.json');
}

/**
 * Parses and validates one contract given as YAML or JSON text (for example the body of an
 * `upsertContract` mutation), against the host rules.
 *
 * @example
 * const result = safeParseContractText(input.document, { host });
 * if (!result.ok) throw badUserInput(result.problems);
 */
export function safeParseContractText(
  text: string,
  options: ParseOptions = {},
): ParseResult<VersionedContract> {
  const file = options.file ?? '(api)';
  const parsed = parseDocument(text, file, false);
  if (!parsed.ok) return { ok: false, problems: [parsed.problem] };
  return safeParseContract(parsed.document, { ...options, file });
}

function isHostDocument(document: unknown): boolean {
  return (
    typeof document === 'object' && document !== null && (document as { kind?: unknown }).kind === 'HOST'
  );
}

/**
 * Loads every `.yaml`, `.yml` and `.json` file of `dir` (not recursive; other files are ignored). The file
 * with `kind: HOST` is the host configuration; every other file is one partner contract. A file that does
 * not validate is refused with its file, field and reason, and the others still load. Two files for one
 * partner: the first (by file name) loads and the second is refused.
 *
 * @example
 * const { contracts, host, errors } = loadContracts('examples/contracts');
 */
export function loadContracts(dir: string): LoadedContracts {
  const files = readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isFile() && CONTRACT_EXTENSIONS.has(extname(entry.name)))
    .map((entry) => join(dir, entry.name))
    .sort();
  const errors: ContractProblem[] = [];
  const documents: { file: string; document: unknown }[] = [];
  for (const file of files) {
    const read = readDocument(file);
    if (read.ok) documents.push({ file, document: read.document });
    else errors.push(read.problem);
  }

  let host = DEFAULT_HOST_CONFIG;
  let hostFile: string | null = null;
  const hostDocuments = documents.filter(({ document }) => isHostDocument(document));
  for (const [index, { file, document }] of hostDocuments.entries()) {
    if (index > 0) {
      errors.push({ file, field: 'kind', reason: `a second host configuration (the first is ${hostFile})` });
      continue;
    }
    const parsed = safeParseHostConfig(document, file);
    if (parsed.ok) {
      host = parsed.value;
      hostFile = file;
    } else {
      errors.push(...parsed.problems);
    }
  }

  const contracts: LoadedContract[] = [];
  for (const { file, document } of documents) {
    if (isHostDocument(document)) continue;
    const parsed = safeParseContract(document, { file, host });
    if (!parsed.ok) {
      errors.push(...parsed.problems);
      continue;
    }
    const earlier = contracts.find((loaded) => loaded.contract.partnerId === parsed.value.contract.partnerId);
    if (earlier !== undefined) {
      errors.push({
        file,
        field: 'partnerId',
        reason: `'${earlier.contract.partnerId}' is already defined in ${earlier.file}`,
      });
      continue;
    }
    contracts.push({ file, ...parsed.value });
  }
  return { contracts, host, hostFile, hostVersion: contentHash(host), errors };
}
