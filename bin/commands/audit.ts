/** `cleanroom audit` — not built yet. */
export async function run(_argv: string[]): Promise<number> {
  process.stderr.write('cleanroom audit: not available yet\n');
  return 1;
}
