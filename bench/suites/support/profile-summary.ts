/**
 * Summarize `node --cpu-prof` output: where self time goes, by function and by file, so a missed target can be
 * traced to its bottleneck. Usage: `npx tsx bench/suites/support/profile-summary.ts <file.cpuprofile> [top]`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
}

/** One line of the summary: a name and its share of sampled self time. */
export interface ProfileShare {
  name: string;
  share: number;
}

/** Self-time shares of a profile's functions and files, largest first. */
export function summarizeProfile(
  profile: CpuProfile,
  root: string,
): { functions: ProfileShare[]; files: ProfileShare[] } {
  const total = profile.nodes.reduce((sum, node) => sum + (node.hitCount ?? 0), 0) || 1;
  const functions = new Map<string, number>();
  const files = new Map<string, number>();
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (hits === 0) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const file = url
      ? url.replace(/^file:\/\//, '').replace(`${root}/`, '')
      : `(${functionName || 'native'})`;
    const name = `${functionName || '(anonymous)'} ${file}${url ? `:${lineNumber + 1}` : ''}`;
    functions.set(name, (functions.get(name) ?? 0) + hits);
    files.set(file, (files.get(file) ?? 0) + hits);
  }
  const ranked = (map: Map<string, number>) =>
    [...map].map(([name, hits]) => ({ name, share: hits / total })).sort((a, b) => b.share - a.share);
  return { functions: ranked(functions), files: ranked(files) };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const file = process.argv[2];
  if (!file) throw new Error('usage: profile-summary.ts <file.cpuprofile> [top]');
  const top = Number(process.argv[3] ?? 20);
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
  const summary = summarizeProfile(JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile, root);
  const print = (title: string, rows: ProfileShare[]) => {
    process.stdout.write(`${title}\n`);
    for (const row of rows.slice(0, top))
      process.stdout.write(`${(row.share * 100).toFixed(1).padStart(6)}%  ${row.name}\n`);
  };
  print('self time by file', summary.files);
  print('self time by function', summary.functions);
}
