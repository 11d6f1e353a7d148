/**
 * Pipeline throughput, embedded or on Kafka: simulated raw events through ingest and all four processors,
 * against a baseline measured in the same run (the null pipeline embedded; a bare kafkajs consumer reading the
 * same messages on Kafka); then each part alone over a copy of the whole pipeline's own intermediate topics.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createEmbeddedLog, createKafkaLog } from '../../../processors/runtime/index.ts';
import type { Log, ProduceMessage } from '../../../processors/runtime/index.ts';
import { TOPICS } from '../../../schema/index.ts';
import { repeat } from '../../stats.ts';
import type { Summary } from '../../stats.ts';
import type { Figure, Suite, SuiteContext } from '../../types.ts';
import { figure, notMeasured, reasonOf } from '../support/figures.ts';
import { bareKafkaRead } from './bare-kafka.ts';
import { PIPELINE_PARTS, startPipeline } from './full-pipeline.ts';
import type { PipelinePart } from './full-pipeline.ts';
import { timePipeline } from './measure-pipeline.ts';
import { startNullPipeline } from './null-pipeline.ts';
import { createRawTopics, produceRaw, readTopic, simulatedRecords, writeTopic } from './records.ts';

type Kind = 'embedded' | 'kafka';

/** What the downstream parts read, copied from a whole-pipeline run. */
const DOWNSTREAM_TOPICS = [TOPICS.events, TOPICS.consent, TOPICS.campaigns, TOPICS.ivt] as const;

interface LogLease {
  log: Log;
  prefix: string;
  runId: string;
  dir: string;
  release(): Promise<void>;
}

function leaseFactory(kind: Kind, context: SuiteContext, shared: Log | undefined) {
  let count = 0;
  return async (): Promise<LogLease> => {
    count += 1;
    const runId = `bench${count}-${randomBytes(3).toString('hex')}`;
    const dir = fs.mkdtempSync(path.join(context.workDir, `pipeline-${kind}-`));
    const log =
      kind === 'kafka' && shared
        ? shared
        : createEmbeddedLog({
            path: path.join(dir, 'log.sqlite'),
            pollIntervalMs: 10,
            heartbeatIntervalMs: 100,
          });
    return {
      log,
      prefix: kind === 'kafka' ? `${runId}.` : '',
      runId,
      dir,
      async release() {
        if (log !== shared) await log.close();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  };
}

/** Runs `work` on a freshly leased log, released afterwards whatever happens. */
async function onLease<T>(lease: () => Promise<LogLease>, work: (run: LogLease) => Promise<T>): Promise<T> {
  const run = await lease();
  try {
    return await work(run);
  } finally {
    await run.release();
  }
}

/** Starts the pipeline's `parts` on a leased log (what {@link timePipeline} times). */
function startPartsOn(run: LogLease, parts: readonly PipelinePart[], rawRecords: number) {
  return startPipeline({
    log: run.log,
    dir: run.dir,
    topicPrefix: run.prefix,
    runId: run.runId,
    parts,
    rawRecords,
  });
}

/** Create the pipeline suite for one log kind. */
export function createPipelineSuite(kind: Kind): Suite {
  const suite = `pipeline-${kind}`;
  return {
    name: suite,
    async run(context) {
      if (kind === 'kafka' && !context.kafkaBrokers) {
        return {
          figures: [
            notMeasured(
              suite,
              'ingest + 4 processors on Kafka',
              'events/s',
              'no Kafka broker in this run',
              '>= 50% of a bare kafkajs consumer',
            ),
          ],
        };
      }
      const events = context.quick ? 1_000 : 6_000;
      const timeoutMs = context.quick ? 60_000 : 240_000;
      const records = simulatedRecords(events);
      const shared =
        kind === 'kafka'
          ? createKafkaLog({ brokers: context.kafkaBrokers ?? '', clientId: 'cleanroom-bench' })
          : undefined;
      const lease = leaseFactory(kind, context, shared);
      const figures: Figure[] = [];
      let copied: Map<string, { partitions: number; messages: ProduceMessage[] }> | undefined;
      try {
        context.progress(
          `  ${suite}: ${events} raw records, ${context.repetitions} repetitions of pipeline and baseline`,
        );
        const whole = await repeat(context.repetitions, () =>
          onLease(lease, async (run) => {
            await createRawTopics(run.log, run.prefix);
            const rate = await timePipeline(
              events,
              () => startPartsOn(run, PIPELINE_PARTS, events),
              () => produceRaw(run.log, run.prefix, records),
              { timeoutMs, label: 'the whole pipeline' },
            );
            if (copied === undefined) copied = await copyDownstream(run);
            context.progress(`    whole pipeline: ${rate.toFixed(0)} events/s`);
            return rate;
          }),
        );
        const baseline = await repeat(context.repetitions, () =>
          onLease(lease, async (run) => {
            await createRawTopics(run.log, run.prefix);
            const rate =
              kind === 'kafka'
                ? await bareKafkaRead(
                    context.kafkaBrokers ?? '',
                    run.prefix,
                    run.runId,
                    events,
                    () => produceRaw(run.log, run.prefix, records),
                    timeoutMs,
                  )
                : await timePipeline(
                    events,
                    () =>
                      startNullPipeline({
                        log: run.log,
                        topicPrefix: run.prefix,
                        runId: run.runId,
                        rawRecords: events,
                      }),
                    () => produceRaw(run.log, run.prefix, records),
                    { timeoutMs, label: 'the null pipeline' },
                  );
            context.progress(`    baseline: ${rate.toFixed(0)} events/s`);
            return rate;
          }),
        );
        const baselineName =
          kind === 'kafka'
            ? 'bare kafkajs consumer, same messages'
            : 'null pipeline (parse + route, same hops)';
        const target = kind === 'kafka' ? 0.5 : 0.25;
        figures.push(
          figure(suite, `ingest + 4 processors (${events} raw records)`, 'events/s', whole, {
            baseline: { name: baselineName, value: baseline },
            target: {
              text: `>= ${target * 100}% of the ${kind === 'kafka' ? 'bare consumer' : 'null pipeline'}`,
              on: 'ratio',
              atLeast: target,
            },
          }),
        );
        for (const part of PIPELINE_PARTS) {
          // On Kafka every part alone costs several group joins: the quick smoke run leaves them out.
          figures.push(
            kind === 'kafka' && context.quick
              ? notMeasured(suite, `${part} alone`, 'events/s', 'full run only (quick run)')
              : await measurePart(suite, part, context, lease, records, copied, whole, timeoutMs),
          );
        }
      } catch (error) {
        figures.push(
          notMeasured(
            suite,
            'ingest + 4 processors',
            'events/s',
            reasonOf(error),
            `>= ${kind === 'kafka' ? 50 : 25}% of baseline`,
          ),
        );
      } finally {
        await shared?.close();
      }
      return { figures };
    },
  };
}

async function copyDownstream(run: LogLease) {
  const copies = new Map<string, { partitions: number; messages: ProduceMessage[] }>();
  for (const topic of DOWNSTREAM_TOPICS) {
    const name = `${run.prefix}${topic}`;
    const partitions = await run.log.partitionsFor(name);
    copies.set(topic, { partitions, messages: await readTopic(run.log, name, `${run.runId}.copy-${topic}`) });
  }
  return copies;
}

async function measurePart(
  suite: string,
  part: PipelinePart,
  context: SuiteContext,
  lease: () => Promise<LogLease>,
  records: ReturnType<typeof simulatedRecords>,
  copied: Map<string, { partitions: number; messages: ProduceMessage[] }> | undefined,
  whole: Summary,
  timeoutMs: number,
): Promise<Figure> {
  const name = `${part} alone`;
  const events = copied?.get(TOPICS.events)?.messages.length ?? 0;
  if (part !== 'ingest' && (copied === undefined || events === 0)) {
    return notMeasured(
      suite,
      name,
      'events/s',
      'no intermediate topics were captured from the whole pipeline',
    );
  }
  try {
    const value = await repeat(context.quick ? 1 : context.repetitions, () =>
      onLease(lease, async (run) => {
        if (part === 'ingest') {
          await createRawTopics(run.log, run.prefix);
          return await timePipeline(
            records.length,
            () => startPartsOn(run, ['ingest'], records.length),
            () => produceRaw(run.log, run.prefix, records),
            { timeoutMs, label: 'ingest alone' },
          );
        }
        for (const [topic, copy] of copied ?? []) {
          await run.log.createTopic(`${run.prefix}${topic}`, {
            partitions: copy.partitions,
            compacted: topic === TOPICS.campaigns,
          });
        }
        if (part === 'attribution') {
          // Attribution reads the campaigns to their end before it starts.
          const campaigns = copied?.get(TOPICS.campaigns);
          await writeTopic(
            run.log,
            `${run.prefix}${TOPICS.campaigns}`,
            campaigns?.partitions ?? 1,
            campaigns?.messages ?? [],
            true,
          );
        }
        return await timePipeline(
          events,
          () => startPartsOn(run, [part], 0),
          async () => {
            for (const [topic, copy] of copied ?? []) {
              if (part === 'attribution' && topic === TOPICS.campaigns) continue;
              await writeTopic(
                run.log,
                `${run.prefix}${topic}`,
                copy.partitions,
                copy.messages,
                topic === TOPICS.campaigns,
              );
            }
          },
          { timeoutMs, label: `${part} alone` },
        );
      }),
    );
    return figure(suite, name, part === 'ingest' ? 'raw records/s' : 'events/s', value, {
      note: `whole pipeline median ${whole.median.toFixed(0)} events/s`,
    });
  } catch (error) {
    return notMeasured(suite, name, 'events/s', reasonOf(error));
  }
}
