/**
 * The `cleanroom` command line. Each subcommand lives in `bin/commands/<name>.ts` and exports `run(argv)`,
 * resolving to the process exit code.
 */
const COMMANDS: Record<
  string,
  { summary: string; load: () => Promise<{ run: (argv: string[]) => Promise<number> }> }
> = {
  serve: {
    summary: 'run the pipeline and the gateway (the embedded default, or Kafka with KAFKA_BROKERS)',
    load: () => import('./commands/serve.ts'),
  },
  simulate: {
    summary: 'write a seeded synthetic retail world to the raw topics',
    load: () => import('./commands/simulate.ts'),
  },
  token: { summary: 'mint a development token for a principal', load: () => import('./commands/token.ts') },
  hash: {
    summary: 'print the UID2-style hash of an email or phone',
    load: () => import('./commands/hash.ts'),
  },
  audit: {
    summary: 'audit verify|export: check or export the tamper-evident decision log',
    load: () => import('./commands/audit.ts'),
  },
  contracts: {
    summary: 'contracts check DIR: validate partner contract files',
    load: () => import('./commands/contracts.ts'),
  },
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, command]) => `  ${name.padEnd(10)} ${command.summary}`);
  return `usage: cleanroom <command> [options]\n\ncommands:\n${lines.join('\n')}\n`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name === undefined ? 1 : 0;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    process.stderr.write(`cleanroom: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  const module = await command.load();
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
