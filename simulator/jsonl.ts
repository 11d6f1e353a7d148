/**
 * The jsonl output: one `{ "topic", "key", "value" }` object a line, `value` being the event exactly as
 * produced. A malformed record whose text is not JSON is written as `{ "topic", "key", "value": "<text>",
 * "raw": true }`. Written in large chunks as fast as the disk takes them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { SimulatorError } from './errors.ts';
import type { SimulatedRecord } from './record.ts';
import type { GroundTruth } from './truth.ts';

/** Options of {@link writeJsonl}. */
export interface WriteJsonlOptions {
  /** Called after every chunk with the number of records written so far. */
  onProgress?: (records: number) => void;
  /** Stop early (checked between chunks). */
  signal?: AbortSignal;
  /** Stop after this many wall-clock milliseconds. */
  durationMs?: number;
}

/** What {@link writeJsonl} wrote. */
export interface WriteJsonlResult {
  records: number;
  bytes: number;
  elapsedMs: number;
}

/** Bytes gathered before each write; lines are encoded straight into it (no large intermediate strings). */
const CHUNK_BYTES = 1 << 21;
const NEWLINE = 10;

/** The jsonl line of a record, without the newline. */
export function toJsonlLine(record: SimulatedRecord): string {
  return JSON.stringify(record);
}

/** Parse a jsonl line back into a record (raw records keep their text). */
export function parseJsonlLine(line: string): SimulatedRecord {
  return JSON.parse(line) as SimulatedRecord;
}

/**
 * Write records to a jsonl file (created or truncated).
 *
 * @example
 * await writeJsonl(simulate({ seed: 7, events: 2_000 }), 'events.jsonl');
 */
export async function writeJsonl(
  records: Iterable<SimulatedRecord>,
  file: string,
  options: WriteJsonlOptions = {},
): Promise<WriteJsonlResult> {
  const started = performance.now();
  const deadline = options.durationMs === undefined ? Number.POSITIVE_INFINITY : started + options.durationMs;
  let descriptor: number;
  try {
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    descriptor = fs.openSync(file, 'w');
  } catch (error) {
    throw new SimulatorError('OUTPUT_FAILED', `cannot open ${file} for writing`, {
      option: 'out',
      cause: error,
    });
  }
  let count = 0;
  let bytes = 0;
  const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  let used = 0;
  const writeAll = (data: Buffer): void => {
    for (let offset = 0; offset < data.length;) offset += fs.writeSync(descriptor, data, offset);
    bytes += data.length;
  };
  const flush = (): void => {
    if (used > 0) writeAll(buffer.subarray(0, used));
    used = 0;
  };
  try {
    for (const record of records) {
      const line = JSON.stringify(record);
      count += 1;
      // A UTF-8 character takes at most 3 bytes per UTF-16 unit.
      const worstCase = line.length * 3 + 1;
      const full = used + worstCase > CHUNK_BYTES;
      if (full) flush();
      if (worstCase > CHUNK_BYTES) writeAll(Buffer.from(`${line}\n`));
      else {
        used += buffer.write(line, used);
        buffer[used++] = NEWLINE;
      }
      if (full) {
        options.onProgress?.(count);
        // Let signals and timers run between chunks; the record just taken is written either way.
        await new Promise((resolve) => setImmediate(resolve));
        if (options.signal?.aborted === true || performance.now() >= deadline) break;
      }
    }
    flush();
  } catch (error) {
    throw new SimulatorError('OUTPUT_FAILED', `cannot write ${file}`, { option: 'out', cause: error });
  } finally {
    fs.closeSync(descriptor);
  }
  options.onProgress?.(count);
  return { records: count, bytes, elapsedMs: performance.now() - started };
}

/** Write a ground truth as pretty JSON. */
export function writeGroundTruth(truth: GroundTruth, file: string): void {
  try {
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    fs.writeFileSync(file, `${JSON.stringify(truth, null, 2)}\n`);
  } catch (error) {
    throw new SimulatorError('OUTPUT_FAILED', `cannot write ${file}`, { option: 'truth', cause: error });
  }
}

/** Where the ground truth of a jsonl output goes by default: `x.jsonl` -> `x.truth.json`. */
export function defaultTruthFile(jsonlFile: string): string {
  return jsonlFile.endsWith('.jsonl')
    ? `${jsonlFile.slice(0, -'.jsonl'.length)}.truth.json`
    : `${jsonlFile}.truth.json`;
}
