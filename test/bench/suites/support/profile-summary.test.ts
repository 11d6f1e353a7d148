/** The CPU profile summary ranks self time by function and by file. */
import { describe, expect, it } from 'vitest';
import { summarizeProfile } from '../../../../bench/suites/support/profile-summary.ts';

const node = (id: number, functionName: string, url: string, hitCount: number) => ({
  id,
  callFrame: { functionName, url, lineNumber: id },
  hitCount,
});

describe('summarizeProfile', () => {
  it('ranks self time by function and by file, relative to the repository root', () => {
    const summary = summarizeProfile(
      {
        startTime: 0,
        endTime: 10,
        nodes: [
          node(1, '(root)', '', 0),
          node(2, 'append', 'file:///repo/policies/audit/audit-log.ts', 6),
          node(3, 'hashLeaf', 'file:///repo/policies/audit/merkle-hash.ts', 3),
          node(4, 'flush', 'file:///repo/policies/audit/audit-log.ts', 1),
        ],
      },
      '/repo',
    );
    expect(summary.files[0]).toEqual({ name: 'policies/audit/audit-log.ts', share: 0.7 });
    expect(summary.functions[0]?.name).toBe('append policies/audit/audit-log.ts:3');
    expect(summary.functions.map((row) => row.share)).toEqual([0.6, 0.3, 0.1]);
  });
});
