import { existsSync, statSync } from 'node:fs';
import { relative } from 'node:path';
import { loadContracts, shortVersion } from '../../policies/index.ts';

const USAGE = 'usage: cleanroom contracts check DIR\n';

/**
 * `cleanroom contracts check DIR`: validates every contract file in DIR (and the host configuration),
 * prints one line per file — `ok` with its version, or each problem as `file: field: reason` — and exits
 * 1 if any file was refused, 2 on a usage error.
 */
export async function run(argv: string[]): Promise<number> {
  const [subcommand, dir, ...extra] = argv;
  if (subcommand !== 'check' || dir === undefined || extra.length > 0) {
    process.stderr.write(USAGE);
    return 2;
  }
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    process.stderr.write(`cleanroom contracts: ${dir} is not a directory\n`);
    return 2;
  }
  const { contracts, host, hostFile, hostVersion, errors } = loadContracts(dir);
  const show = (file: string): string => {
    const path = relative(process.cwd(), file);
    return path === '' || path.startsWith('..') ? file : path;
  };
  // One entry per file, in file-name order: `ok` with the version, or every problem found in it.
  const lines = new Map<string, string[]>();
  const add = (file: string, line: string): void => {
    lines.set(file, [...(lines.get(file) ?? []), line]);
  };
  if (hostFile !== null) {
    add(
      hostFile,
      `ok    ${show(hostFile)}  HOST  ${shortVersion(hostVersion)}  threshold floor ${host.thresholdFloor}, ` +
        `${host.principals.length} host principal(s)`,
    );
  }
  for (const { file, version, contract } of contracts) {
    add(file, `ok    ${show(file)}  ${contract.kind} ${contract.partnerId}  ${shortVersion(version)}`);
  }
  for (const problem of errors)
    add(problem.file, `error ${show(problem.file)}: ${problem.field}: ${problem.reason}`);
  const out = [...lines.keys()].sort().flatMap((file) => lines.get(file) ?? []);
  if (hostFile === null) {
    out.push(
      `note  no valid host configuration (kind: HOST): host defaults apply (threshold floor ${host.thresholdFloor})`,
    );
  }
  const refusedFiles = new Set(errors.map((problem) => problem.file)).size;
  out.push(`${contracts.length} contract(s) valid, ${refusedFiles} file(s) refused`);
  process.stdout.write(`${out.join('\n')}\n`);
  return errors.length > 0 ? 1 : 0;
}
