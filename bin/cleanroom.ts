/**
 * The `cleanroom` command line. Each subcommand lives in `bin/commands/<name>.ts` and exports `run(argv)`,
 * resolving to the process exit code.
 */
/** Each command's one-line summary, by name. */
const COMMANDS: Readonly<Record<string, string>> = {
  serve: 'run the pipeline and the gateway (the embedded default, or Kafka with KAFKA_BROKERS)',
  simulate: 'write a seeded synthetic retail world to the raw topics',
  token: 'mint a development token for a principal',
  hash: 'print the UID2-style hash of an email or phone',
  audit: 'audit verify|export: check or export the tamper-evident decision log',
  contracts: 'contracts check DIR: validate partner contract files',
};

/** What every `bin/commands/<name>.ts` exports. */
interface CommandModule {
  run(argv: string[]): Promise<number>;
}

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, summary]) => `  ${name.padEnd(10)} ${summary}`);
  return `usage: cleanroom <command> [options]\n\ncommands:\n${lines.join('\n')}\n`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name === undefined ? 1 : 0;
  }
  if (!Object.hasOwn(COMMANDS, name)) {
    process.stderr.write(`cleanroom: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  const module = (await import(`./commands/${name}.ts`)) as CommandModule;
  return module.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`cleanroom: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
