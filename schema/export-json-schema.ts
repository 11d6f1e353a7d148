/**
 * `npm run schema:export`: writes each raw topic's contract as a JSON Schema file under `schema/json/`, so
 * producers in any language can validate an event before they send it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { RAW_SCHEMA_VERSION, RAW_TOPIC_SCHEMAS } from './events.ts';

/** The JSON Schema documents of every raw topic, by file name. */
export function rawTopicJsonSchemas(): Map<string, object> {
  const documents = new Map<string, object>();
  for (const [topic, schema] of Object.entries(RAW_TOPIC_SCHEMAS)) {
    const jsonSchema = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input' });
    // JSON Schema cannot see zod refinements; restate the one cross-field rule of the raw contracts.
    const crossField =
      topic === 'retail.transactions'
        ? {
            allOf: [
              {
                if: { properties: { channel: { const: 'store' } }, required: ['channel'] },
                then: { required: ['storeId'] },
              },
            ],
          }
        : {};
    documents.set(`${topic}.v${RAW_SCHEMA_VERSION}.schema.json`, {
      ...jsonSchema,
      ...crossField,
      $id: `urn:cleanroom:schema:${topic}:v${RAW_SCHEMA_VERSION}`,
      title: topic,
    });
  }
  return documents;
}

/** Write the documents into `directory`; returns the files written. */
export function exportJsonSchemas(directory: string): string[] {
  fs.mkdirSync(directory, { recursive: true });
  const written: string[] = [];
  for (const [fileName, document] of rawTopicJsonSchemas()) {
    const file = path.join(directory, fileName);
    fs.writeFileSync(file, `${JSON.stringify(document, null, 2)}\n`);
    written.push(file);
  }
  return written;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const directory = path.join(path.dirname(fileURLToPath(import.meta.url)), 'json');
  for (const file of exportJsonSchemas(directory))
    process.stdout.write(`wrote ${path.relative(process.cwd(), file)}\n`);
}
