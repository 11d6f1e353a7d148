/**
 * Memory and scale: the segments processor and the attribution engine stage, each driven as a processor task
 * over its real SQLite state (no log, so the figure is the state's cost alone), filled with one event per
 * subject for a small and a large number of subjects. Reports RSS growth, state size on disk, and throughput
 * over the last tenth of the fill (when the state already holds ~90% of the subjects); the large size's
 * throughput is a ratio against the small size's: the slope of cost against state size.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createAttributionStage, createCampaignDirectory } from '../../processors/attribution/index.ts';
import { MS, createProcessorTask, openStateStore } from '../../processors/runtime/index.ts';
import type { LogRecord, Processor } from '../../processors/runtime/index.ts';
import {
  EXAMPLE_SEGMENTS_DIR,
  createSegmentProcessor,
  generateCleanEvents,
  loadSegmentDefinitions,
} from '../../processors/segments/index.ts';
import { TOPICS } from '../../schema/index.ts';
import { summarize } from '../stats.ts';
import type { Figure, Suite, SuiteContext } from '../types.ts';
import { figure, notMeasured, reasonOf } from './support/figures.ts';
import { forceGc } from './support/gc.ts';

const SUITE = 'memory-and-scale';
const BATCH = 1_000;
const START_MS = Date.parse('2026-03-01T00:00:00Z');
const CAMPAIGN = 'cmp-scale';

interface Fill {
  /** Process RSS once the state holds every subject (after a full GC). */
  rssMiB: number;
  rssGrowthMiB: number;
  stateMiB: number;
  /** Events/s over the last tenth of the fill. */
  tailRate: number;
}

type Shape = (template: Record<string, unknown>, index: number) => Record<string, unknown>;

/** One event per subject, in event-time order, shaped from the segment generator's clean events. */
function recordsFor(index: number, count: number, templates: Array<Record<string, unknown>>, shape: Shape) {
  const records: LogRecord[] = [];
  for (let offset = index; offset < Math.min(index + BATCH, count); offset += 1) {
    const template = templates[offset % templates.length] ?? {};
    const subjectId = `scale-subject-${offset}`;
    const value = shape(
      {
        ...template,
        subjectId,
        eventId: `scale:${offset}`,
        occurredAt: new Date(START_MS + offset * 50).toISOString(),
      },
      offset,
    );
    records.push({
      topic: TOPICS.events,
      partition: 0,
      offset,
      key: subjectId,
      value: JSON.stringify(value),
      headers: {},
      timestamp: START_MS,
    });
  }
  return records;
}

function fileMiB(dir: string): number {
  let bytes = 0;
  for (const name of fs.readdirSync(dir)) bytes += fs.statSync(path.join(dir, name)).size;
  return bytes / 1024 ** 2;
}

function rssMiB(): number {
  forceGc();
  return process.memoryUsage().rss / 1024 ** 2;
}

function fill<In>(
  dir: string,
  subjects: number,
  processor: Processor<In>,
  shape: Shape,
  maxOutOfOrdernessMs: number,
): Fill {
  fs.mkdirSync(dir, { recursive: true });
  const store = openStateStore(path.join(dir, 'partition-0.sqlite'));
  const task = createProcessorTask({
    processorName: 'scale',
    partition: 0,
    store,
    processor,
    eventTime: { maxOutOfOrdernessMs },
  });
  const templates = generateCleanEvents({ seed: 3, count: 500, subjects: 50 }) as unknown as Array<
    Record<string, unknown>
  >;
  const before = rssMiB();
  // The tail starts on a batch boundary and is at least one batch.
  const tailFrom = Math.min(Math.floor((subjects * 0.9) / BATCH) * BATCH, Math.max(0, subjects - BATCH));
  let tailStarted = 0;
  try {
    for (let index = 0; index < subjects; index += BATCH) {
      if (tailStarted === 0 && index >= tailFrom) tailStarted = performance.now();
      task.processBatch({
        topic: TOPICS.events,
        partition: 0,
        records: recordsFor(index, subjects, templates, shape),
      });
      // The outbox is produced by the host; here it is confirmed so it does not grow without bound.
      const pending = store.pendingOutbox();
      const last = pending.at(-1);
      if (last) store.confirmOutbox(last.sequence);
    }
    const tailRate = ((subjects - tailFrom) * 1000) / (performance.now() - tailStarted);
    const after = rssMiB();
    return { rssMiB: after, rssGrowthMiB: after - before, stateMiB: fileMiB(dir), tailRate };
  } finally {
    store.close();
  }
}

const asImpression: Shape = (event, index) => ({
  eventId: event['eventId'],
  occurredAt: event['occurredAt'],
  subjectId: event['subjectId'],
  consent: event['consent'] ?? { measurement: true, personalization: true, partnerSharing: true },
  type: 'impression',
  adEventId: `scale-ad-${index}`,
  campaignId: CAMPAIGN,
  placement: 'search',
  cost: 0.01,
  traffic: { ipClass: 'other', botUserAgent: false, nonBrowserAgent: false },
});

async function measureProcessor(
  context: SuiteContext,
  name: 'segments' | 'attribution',
  sizes: readonly number[],
): Promise<Figure[]> {
  const results = new Map<number, Fill[]>();
  for (const subjects of sizes) {
    const list: Fill[] = [];
    // A million-subject fill takes minutes: one repetition (its spread is then 0 by construction).
    const repetitions = context.quick || subjects >= 1_000_000 ? 1 : 2;
    for (let rep = 0; rep < repetitions; rep += 1) {
      const dir = fs.mkdtempSync(path.join(context.workDir, `scale-${name}-`));
      try {
        list.push(
          name === 'segments'
            ? fill(
                dir,
                subjects,
                createSegmentProcessor({ definitions: loadSegmentDefinitions(EXAMPLE_SEGMENTS_DIR) }),
                (event) => event,
                15 * MS.minute,
              )
            : fill(
                dir,
                subjects,
                createAttributionStage(
                  createCampaignDirectory([
                    {
                      campaignId: CAMPAIGN,
                      brand: 'acme',
                      name: 'Scale',
                      startsAt: '2026-01-01T00:00:00Z',
                      products: { brands: ['acme'] },
                      clickLookbackDays: 14,
                      viewLookbackDays: 1,
                      holdoutPercent: 0,
                    },
                  ]),
                ),
                asImpression,
                0,
              ),
        );
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
      context.progress(
        `    ${name}, ${subjects} subjects: ${list.at(-1)?.tailRate.toFixed(0)} events/s at the tail`,
      );
    }
    results.set(subjects, list);
  }
  const [small = 0, large = 0] = sizes;
  const pick = (subjects: number, field: keyof Fill) =>
    summarize((results.get(subjects) ?? []).map((fill) => fill[field]));
  const figures: Figure[] = [];
  for (const subjects of sizes) {
    figures.push(
      figure(SUITE, `${name}: process RSS with ${subjects} subjects`, 'MiB', pick(subjects, 'rssMiB')),
      figure(
        SUITE,
        `${name}: RSS growth during the fill, ${subjects} subjects`,
        'MiB',
        pick(subjects, 'rssGrowthMiB'),
        {
          note: 'SQLite page cache and V8 reuse make this noisy; can be negative',
        },
      ),
      figure(SUITE, `${name}: state on disk with ${subjects} subjects`, 'MiB', pick(subjects, 'stateMiB')),
    );
  }
  figures.push(
    figure(
      SUITE,
      `${name}: throughput with ${large} subjects in state`,
      'events/s',
      pick(large, 'tailRate'),
      {
        baseline: { name: `with ${small} subjects`, value: pick(small, 'tailRate') },
        note: 'ratio = slope: 100% means cost does not grow with state size',
      },
    ),
  );
  return figures;
}

export const memoryScaleSuite: Suite = {
  name: SUITE,
  async run(context) {
    const sizes = context.quick ? [2_000, 20_000] : [100_000, 1_000_000];
    const figures: Figure[] = [];
    for (const name of ['segments', 'attribution'] as const) {
      try {
        figures.push(...(await measureProcessor(context, name, sizes)));
      } catch (error) {
        figures.push(
          notMeasured(SUITE, `${name}: RSS, state size and throughput at scale`, 'MiB', reasonOf(error)),
        );
      }
    }
    return { figures };
  },
};
