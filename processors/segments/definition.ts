/**
 * Segment definitions as data: YAML or JSON files (see `examples/segments/`), validated with zod.
 *
 * A rule is a condition over one event filter — an aggregate (count, spend, distinct days, recency in days)
 * of the matching events inside a relative window, compared with `min` and/or `max` — or `and`/`or`/`not` of
 * rules. Windows: `{ within: { days | hours } }` or `{ between: { fromDays, toDays } }` (ago).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { MS } from '../runtime/index.ts';
import type { RelativeWindow } from '../runtime/index.ts';
import { SegmentError } from './errors.ts';

const oneOrMany = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

/** Which events a condition looks at; every given field must match (an array means any of). */
export const eventFilterSchema = z
  .object({
    type: oneOrMany.optional(),
    category: oneOrMany.optional(),
    brand: oneOrMany.optional(),
    sku: oneOrMany.optional(),
    channel: oneOrMany.optional(),
    region: oneOrMany.optional(),
  })
  .strict();

const windowSchema = z.union([
  z
    .object({
      within: z
        .object({ days: z.number().positive().optional(), hours: z.number().positive().optional() })
        .strict()
        .refine(
          (w) => (w.days === undefined) !== (w.hours === undefined),
          'needs exactly one of days or hours',
        ),
    })
    .strict(),
  z
    .object({
      between: z
        .object({ fromDays: z.number().nonnegative(), toDays: z.number().positive() })
        .strict()
        .refine((w) => w.fromDays < w.toDays, 'fromDays must be less than toDays'),
    })
    .strict(),
]);

/** A leaf condition: aggregate of matching events in a window, compared with min/max (inclusive). */
export const conditionSchema = z
  .object({
    match: eventFilterSchema,
    aggregate: z.enum(['count', 'spend', 'distinct_days', 'recency']),
    window: windowSchema,
    min: z.number().optional(),
    max: z.number().optional(),
  })
  .strict()
  .refine((c) => c.min !== undefined || c.max !== undefined, 'needs min or max');

/** A segment rule. */
export type SegmentRule =
  z.infer<typeof conditionSchema> | { and: SegmentRule[] } | { or: SegmentRule[] } | { not: SegmentRule };

/** zod schema of a rule (recursive). */
export const segmentRuleSchema: z.ZodType<SegmentRule> = z.lazy(() =>
  z.union([
    conditionSchema,
    z.object({ and: z.array(segmentRuleSchema).min(1) }).strict(),
    z.object({ or: z.array(segmentRuleSchema).min(1) }).strict(),
    z.object({ not: segmentRuleSchema }).strict(),
  ]),
);

/** A segment definition file. */
export const segmentDefinitionSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must be lower-case letters, digits and dashes'),
    name: z.string().min(1),
    description: z.string().default(''),
    rule: segmentRuleSchema,
  })
  .strict();

export type SegmentDefinition = z.infer<typeof segmentDefinitionSchema>;
export type SegmentCondition = z.infer<typeof conditionSchema>;
export type EventFilter = z.infer<typeof eventFilterSchema>;

/** The relative window of a condition in milliseconds. */
export function conditionWindow(condition: SegmentCondition): RelativeWindow {
  const window = condition.window;
  if ('within' in window) {
    return {
      kind: 'within',
      durationMs: (window.within.days ?? 0) * MS.day + (window.within.hours ?? 0) * MS.hour,
    };
  }
  return { kind: 'between', fromMs: window.between.fromDays * MS.day, toMs: window.between.toDays * MS.day };
}

/** Parse and validate one definition from YAML or JSON text; errors name the file and field. */
export function parseSegmentDefinition(text: string, file = '(inline)'): SegmentDefinition {
  let raw: unknown;
  try {
    raw = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (cause) {
    throw new SegmentError('INVALID_DEFINITION', `${file}: not valid YAML/JSON`, { file, cause });
  }
  const result = segmentDefinitionSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : '(file)';
    throw new SegmentError('INVALID_DEFINITION', `${file}: ${field} ${issue?.message ?? 'is invalid'}`, {
      file,
      field,
    });
  }
  return result.data;
}

/** Load every `.yaml`, `.yml` and `.json` definition of a folder, sorted by id; duplicate ids are refused. */
export function loadSegmentDefinitions(dir: string): SegmentDefinition[] {
  const files = fs
    .readdirSync(dir)
    .filter((name) => /\.(ya?ml|json)$/.test(name))
    .sort();
  const definitions = files.map((name) =>
    parseSegmentDefinition(fs.readFileSync(path.join(dir, name), 'utf8'), path.join(dir, name)),
  );
  const seen = new Set<string>();
  for (const definition of definitions) {
    if (seen.has(definition.id)) {
      throw new SegmentError('INVALID_DEFINITION', `duplicate segment id ${definition.id}`, { field: 'id' });
    }
    seen.add(definition.id);
  }
  return definitions.sort((a, b) => a.id.localeCompare(b.id));
}

/** The folder of the shipped sample definitions. */
export const EXAMPLE_SEGMENTS_DIR = path.resolve(import.meta.dirname, '../../examples/segments');
