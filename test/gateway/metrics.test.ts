/**
 * The gateway's live-heap figures on /metrics: every full GC is counted, and the heap it retained (young
 * generation left out) is reported, so a soak can tell a leak from V8 sizing its heap.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../gateway/metrics.ts';

setFlagsFromString('--expose-gc');
const fullGc = runInNewContext('gc') as () => void;

function sample(text: string, name: string): number {
  return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
}

describe('createMetrics: live heap after full GCs', () => {
  it('counts a full GC and reports a retained heap that includes what was held across it', async () => {
    const metrics = createMetrics();
    fullGc();
    const before = await metrics.registry.metrics();
    const held = Array.from({ length: 4_096 }, (_, index) => new Array<number>(512).fill(index + 0.5));
    fullGc();
    const after = await metrics.registry.metrics();
    const gcs = (text: string) => sample(text, 'cleanroom_gateway_full_gcs_total');
    const retained = (text: string) => sample(text, 'cleanroom_gateway_heap_retained_after_gc_bytes');
    expect(gcs(after)).toBeGreaterThan(gcs(before));
    // 4,096 arrays of 512 doubles: 16 MiB held through the second GC.
    expect(retained(after) - retained(before)).toBeGreaterThan(15 * 2 ** 20);
    expect(held.length).toBe(4_096);
  });

  it('reports the same process figures from every registry', async () => {
    fullGc();
    const [first, second] = await Promise.all(
      [createMetrics(), createMetrics()].map((m) => m.registry.metrics()),
    );
    expect(sample(first!, 'cleanroom_gateway_full_gcs_total')).toBe(
      sample(second!, 'cleanroom_gateway_full_gcs_total'),
    );
  });
});
