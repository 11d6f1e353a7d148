/** `cleanroom token` — not built yet. */
export async function run(_argv: string[]): Promise<number> {
  process.stderr.write('cleanroom token: not available yet\n');
  return 1;
}
