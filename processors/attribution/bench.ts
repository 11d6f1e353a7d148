/**
 * Throughput of the attribution engine alone, for the benchmark harness: feeds clean events and verdicts to
 * an in-memory engine and times it. (The whole processor over a log: produce to `cleanroom.events`,
 * `cleanroom.ivt` and `cleanroom.campaigns`, start `createAttributionProcessor`, poll `caughtUp()`.)
 */
import type { CampaignInfo, CleanEvent, IvtVerdict } from '../../schema/index.ts';
import { measureRate } from '../runtime/index.ts';
import { createCampaignDirectory } from './campaign-directory.ts';
import { createAttributionEngine } from './engine.ts';

/** What one measured run did. */
export interface AttributionBenchResult {
  inputs: number;
  credits: number;
  aggregates: number;
  elapsedMs: number;
  inputsPerSecond: number;
}

/** One input: a clean event or an IVT verdict. */
export type AttributionBenchInput = { event: CleanEvent } | { verdict: IvtVerdict };

/**
 * Runs the engine over `inputs` in order, flushing aggregates every `flushEvery` inputs, and reports its rate.
 *
 * @example const { inputsPerSecond } = measureAttributionEngine(campaigns, events.map((event) => ({ event })));
 */
export function measureAttributionEngine(
  campaigns: readonly CampaignInfo[],
  inputs: Iterable<AttributionBenchInput>,
  flushEvery = 500,
): AttributionBenchResult {
  const engine = createAttributionEngine({ campaigns: createCampaignDirectory(campaigns) });
  const counts = { inputs: 0, credits: 0, aggregates: 0 };
  const { elapsedMs, perSecond } = measureRate(() => {
    for (const input of inputs) {
      const credits =
        'event' in input ? engine.observeEvent(input.event) : engine.observeVerdict(input.verdict);
      counts.inputs += 1;
      counts.credits += credits.length;
      if (counts.inputs % flushEvery === 0) counts.aggregates += engine.flush().length;
    }
    counts.aggregates += engine.flush().length;
    return counts.inputs;
  });
  return { ...counts, elapsedMs, inputsPerSecond: perSecond };
}
