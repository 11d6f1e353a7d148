/**
 * Canonical JSON: object keys sorted by UTF-16 code unit order, no whitespace, numbers in JavaScript's
 * shortest round-trip form. Equal values always give equal bytes, which is what makes a Merkle leaf of
 * an entry reproducible by anyone holding the entry.
 */
import { AuditError } from './errors.ts';

/** A JSON value (what an audit entry may carry). */
export type JsonValue =
  null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

function encode(value: unknown, path: string): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) {
        throw new AuditError('INVALID_ENTRY', `${path} is not a finite number`, { context: { field: path } });
      }
      // -0 and 0 must give the same bytes.
      return JSON.stringify(value === 0 ? 0 : value);
    case 'object': {
      if (Array.isArray(value)) {
        return `[${value.map((item, index) => encode(item, `${path}[${index}]`)).join(',')}]`;
      }
      const record = value as Record<string, unknown>;
      const parts: string[] = [];
      for (const key of Object.keys(record).sort()) {
        const item = record[key];
        if (item === undefined) continue;
        parts.push(`${JSON.stringify(key)}:${encode(item, `${path}.${key}`)}`);
      }
      return `{${parts.join(',')}}`;
    }
    default:
      throw new AuditError('INVALID_ENTRY', `${path} is not a JSON value (${typeof value})`, {
        context: { field: path },
      });
  }
}

/**
 * Serialize a value as canonical JSON (sorted keys). Object properties that are `undefined` are left out,
 * as `JSON.stringify` does; non-finite numbers, functions, symbols and bigints are refused.
 *
 * @example canonicalJson({ b: 1, a: [true, null] }) // '{"a":[true,null],"b":1}'
 * @throws AuditError `INVALID_ENTRY` for a value JSON cannot represent exactly.
 */
export function canonicalJson(value: unknown): string {
  return encode(value, '$');
}
