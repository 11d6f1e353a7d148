/** `cleanroom simulate` — not built yet. */
export async function run(_argv: string[]): Promise<number> {
  process.stderr.write('cleanroom simulate: not available yet\n');
  return 1;
}
