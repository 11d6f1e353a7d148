/**
 * What every `cleanroom` command does with its arguments before its own work: parse them strictly with
 * `--help` beside its options, and answer a usage error with the message and the usage on stderr (exit 2).
 */
import { parseArgs } from 'node:util';
import type { ParseArgsOptionsConfig } from 'node:util';

const HELP = { help: { type: 'boolean', short: 'h' } } as const;

/** The parsed values of a command's options (and of `--help`). */
export type CommandValues<Options extends ParseArgsOptionsConfig> = ReturnType<
  typeof parseArgs<{ args: string[]; options: Options & typeof HELP; strict: true }>
>['values'];

/**
 * Parses a command's arguments strictly, with `--help` (`-h`) beside its own options.
 *
 * @returns the values, or the exit code to return at once: 2 after a usage error (the message and the usage on
 *   stderr), 0 after `--help` (the usage on stdout).
 * @example
 * const values = parseCommandArgs('token', USAGE, argv, { ttl: { type: 'string', default: '1h' } });
 * if (typeof values === 'number') return values;
 */
export function parseCommandArgs<const Options extends ParseArgsOptionsConfig>(
  command: string,
  usage: string,
  argv: string[],
  options: Options,
): CommandValues<Options> | number {
  let values: CommandValues<Options>;
  try {
    ({ values } = parseArgs({ args: argv, options: { ...options, ...HELP }, strict: true }));
  } catch (error) {
    return usageError(command, usage, (error as Error).message);
  }
  // Every command's values have `help` (HELP is merged in); TypeScript cannot see it through the generic.
  if ((values as { help?: boolean }).help === true) {
    process.stdout.write(usage);
    return 0;
  }
  return values;
}

/** Writes `cleanroom <command>: <message>` and the usage to stderr; returns the exit code of a usage error, 2. */
export function usageError(command: string, usage: string, message: string): number {
  process.stderr.write(`cleanroom ${command}: ${message}\n${usage}`);
  return 2;
}
