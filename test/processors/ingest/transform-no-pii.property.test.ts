import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { transformRecord } from '../../../processors/ingest/index.ts';
import { createTempDir, removeTempDir } from '../../helpers/temp-dir.ts';
import { createTestContext, rawRecord } from './fixtures.ts';
import { needlesOf, piiMessage } from './pii-arbitraries.ts';

describe('ingest transform never lets PII through (property)', () => {
  let dir: string;
  let context: ReturnType<typeof createTestContext>;
  beforeAll(() => {
    dir = createTempDir('ingest-pii');
    context = createTestContext(dir);
  });
  afterAll(() => {
    context.db.close();
    removeTempDir(dir);
  });

  it('no email, phone, ip, loyalty or device id — in the clear or as a plain SHA-256 — in any output', () => {
    const outcomes = new Set<string>();
    fc.assert(
      fc.property(fc.array(piiMessage, { minLength: 1, maxLength: 12 }), (messages) => {
        for (const message of messages) {
          const result = transformRecord(rawRecord(message.topic, message.value), context);
          outcomes.add(result.outcome);
          const text = result.outputs
            .map((output) => `${output.key} ${output.outputId} ${JSON.stringify(output.value)}`)
            .join('\n');
          for (const needle of needlesOf(message.pii)) {
            if (text.includes(needle))
              throw new Error(`leaked a form of a raw identifier on ${message.topic}`);
          }
        }
      }),
      { numRuns: 150, seed: 20260301 },
    );
    expect([...outcomes].sort()).toEqual(expect.arrayContaining(['dead-letter', 'event']));
  });
});
