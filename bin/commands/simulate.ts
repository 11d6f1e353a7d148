/**
 * `cleanroom simulate`: write the seeded simulated retail world to the raw topics (embedded log or Kafka)
 * or to a jsonl file, with its ground truth.
 */
import { parseArgs } from 'node:util';
import { createLogFromEnv } from '../../processors/runtime/index.ts';
import type { Log } from '../../processors/runtime/index.ts';
import {
  SimulatorError,
  createProgressReporter,
  defaultTruthFile,
  simulate,
  writeGroundTruth,
  writeJsonl,
  writeToLog,
} from '../../simulator/index.ts';
import type { SimulationOptions } from '../../simulator/index.ts';

const USAGE = `usage: cleanroom simulate [options]

  --seed N              seed of every random choice (default 1)
  --events N            stop after N records (jsonl default 100000; live outputs: unbounded)
  --duration S          stop after S wall-clock seconds
  --sim-hours H         stop after H hours of simulated time
  --rate R              records per wall-clock second (embedded and kafka; jsonl runs flat out)
  --shoppers N          number of shoppers (default 20000)
  --start ISO           start of simulated time (default 2026-03-02T00:00:00.000Z)
  --malformed-share X   share of extra malformed records, 0..1 (default 0)
  --id-prefix P         prefix of generated ids (default s<seed>)
  --no-surge            do not plant the demand surge
  --inventory           run the stock system: counts on retail.inventory with planted stock-outs
  --instore             run regulars' in-store journeys and zone sensors on retail.instore (offers need --inventory)
  --out O               embedded | kafka | jsonl:FILE (default embedded)
  --truth FILE          write the ground truth here (jsonl default: FILE with .truth.json)
  --progress            report progress on stderr even when it is not a terminal
`;

/** Default record count of a jsonl run with no other bound. */
export const DEFAULT_JSONL_EVENTS = 100_000;

function numberOption(name: string, text: string | undefined, integer: boolean): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0 || (integer && !Number.isInteger(value))) {
    throw new SimulatorError(
      'INVALID_OPTION',
      `--${name} must be a non-negative ${integer ? 'integer' : 'number'}`,
      { option: name },
    );
  }
  return value;
}

/** Run `cleanroom simulate`; resolves to the exit code. */
export async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        seed: { type: 'string' },
        events: { type: 'string' },
        duration: { type: 'string' },
        'sim-hours': { type: 'string' },
        rate: { type: 'string' },
        shoppers: { type: 'string' },
        start: { type: 'string' },
        'malformed-share': { type: 'string' },
        'id-prefix': { type: 'string' },
        'no-surge': { type: 'boolean' },
        inventory: { type: 'boolean' },
        instore: { type: 'boolean' },
        out: { type: 'string' },
        truth: { type: 'string' },
        progress: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    });
  } catch (error) {
    process.stderr.write(
      `cleanroom simulate: ${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`,
    );
    return 2;
  }
  const { values } = parsed;
  if (values.help === true) {
    process.stdout.write(USAGE);
    return 0;
  }
  try {
    return await simulateCommand(values);
  } catch (error) {
    if (error instanceof SimulatorError) {
      process.stderr.write(`cleanroom simulate: ${error.message}\n`);
      return error.code === 'INVALID_OPTION' ? 2 : 1;
    }
    throw error;
  }
}

type Values = Partial<
  Record<
    | 'seed'
    | 'events'
    | 'duration'
    | 'sim-hours'
    | 'rate'
    | 'shoppers'
    | 'start'
    | 'malformed-share'
    | 'id-prefix'
    | 'out'
    | 'truth',
    string
  >
> &
  Partial<Record<'no-surge' | 'inventory' | 'instore' | 'progress' | 'help', boolean>>;

async function simulateCommand(values: Values): Promise<number> {
  const out = values.out ?? 'embedded';
  const jsonlFile = out.startsWith('jsonl:') ? out.slice('jsonl:'.length) : undefined;
  if (jsonlFile === undefined && out !== 'embedded' && out !== 'kafka') {
    throw new SimulatorError('INVALID_OPTION', `--out must be embedded, kafka or jsonl:FILE, not ${out}`, {
      option: 'out',
    });
  }
  if (jsonlFile === '')
    throw new SimulatorError('INVALID_OPTION', '--out jsonl: needs a file name', { option: 'out' });
  const durationSeconds = numberOption('duration', values.duration, false);
  const simulatedHours = numberOption('sim-hours', values['sim-hours'], false);
  let events = numberOption('events', values.events, true);
  if (
    jsonlFile !== undefined &&
    events === undefined &&
    durationSeconds === undefined &&
    simulatedHours === undefined
  ) {
    events = DEFAULT_JSONL_EVENTS;
  }
  const options: SimulationOptions = {};
  const seed = numberOption('seed', values.seed, true);
  if (seed !== undefined) options.seed = seed;
  if (events !== undefined) options.events = events;
  if (simulatedHours !== undefined) options.simulatedHours = simulatedHours;
  const shoppers = numberOption('shoppers', values.shoppers, true);
  if (shoppers !== undefined) options.shoppers = shoppers;
  if (values.start !== undefined) options.start = values.start;
  const malformedShare = numberOption('malformed-share', values['malformed-share'], false);
  if (malformedShare !== undefined) options.malformedShare = malformedShare;
  if (values['id-prefix'] !== undefined) options.idPrefix = values['id-prefix'];
  if (values['no-surge'] === true) options.surge = false;
  if (values.inventory === true) options.inventory = true;
  if (values.instore === true) options.instore = true;
  const rate = numberOption('rate', values.rate, false);
  const simulation = simulate(options);
  const progress = createProgressReporter({
    enabled: values.progress === true || process.stderr.isTTY === true,
  });
  const simulatedAt = (): string => new Date(simulation.clockMs).toISOString();
  const durationMs = durationSeconds === undefined ? undefined : durationSeconds * 1000;
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    if (jsonlFile !== undefined) {
      const result = await writeJsonl(simulation, jsonlFile, {
        signal: controller.signal,
        ...(durationMs === undefined ? {} : { durationMs }),
        onProgress: (records) => progress.update(records, simulatedAt()),
      });
      progress.finish(result.records, simulatedAt());
      writeGroundTruth(simulation.groundTruth(), values.truth ?? defaultTruthFile(jsonlFile));
      return 0;
    }
    const log = await openLog(out);
    try {
      const result = await writeToLog(log, simulation, {
        signal: controller.signal,
        ...(rate === undefined || rate === 0 ? {} : { rate }),
        ...(durationMs === undefined ? {} : { durationMs }),
        onProgress: (records) => progress.update(records, simulatedAt()),
      });
      progress.finish(result.records, simulatedAt());
    } finally {
      await log.close();
    }
    if (values.truth !== undefined) writeGroundTruth(simulation.groundTruth(), values.truth);
    return 0;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

async function openLog(out: string): Promise<Log> {
  if (out === 'kafka') {
    if (!process.env.KAFKA_BROKERS?.trim()) {
      throw new SimulatorError('LOG_UNAVAILABLE', '--out kafka needs KAFKA_BROKERS=host:port', {
        option: 'out',
      });
    }
    return createLogFromEnv(process.env);
  }
  return createLogFromEnv({ ...process.env, KAFKA_BROKERS: '' });
}
