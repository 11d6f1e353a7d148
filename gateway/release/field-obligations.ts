/**
 * The obligations that reshape an answer's fields, applied by the release step to every partner answer:
 * `dropFields` (the field is answered null) and `coarsenGeo` (a region becomes the host's country). Rows that
 * become identical once coarsened are the resolver's to merge before release (see `mergeCoarsened`).
 */
import type { Decision } from '../ports.ts';

/** The field that carries geography in every answer that has one. */
export const GEO_FIELD = 'region';

/**
 * Fields computed from others: withholding a source withholds what is computed from it, or the partner would get
 * it back by arithmetic (revenue = roas x spend).
 */
export const DERIVED_FIELDS: Readonly<Record<string, readonly string[]>> = {
  roas: ['revenue', 'spend'],
  lift: ['observed', 'baseline'],
  // A foot-traffic trigger's noised entries are its `observed`.
  entries: ['observed'],
};

/** Every field withheld: those named, and those derived from one of them. */
export function withheldFields(dropFields: readonly string[]): Set<string> {
  const withheld = new Set(dropFields);
  for (const [derived, sources] of Object.entries(DERIVED_FIELDS)) {
    if (sources.some((source) => withheld.has(source))) withheld.add(derived);
  }
  return withheld;
}

/** Whether the decision withholds `field`. */
export function dropsField(decision: Decision, field: string): boolean {
  return withheldFields(decision.obligations.dropFields).has(field);
}

/**
 * The value with every dropped field answered null and every region coarsened, at any depth. Plain objects
 * and arrays are copied; anything else is kept as it is.
 *
 * @example
 * applyFieldObligations({ rows: [{ region: 'west', revenue: 12 }] }, decision, 'US');
 * // with dropFields ['revenue'] and coarsenGeo: { rows: [{ region: 'US', revenue: null }] }
 */
export function applyFieldObligations<T>(value: T, decision: Decision, country: string): T {
  const { dropFields, coarsenGeo } = decision.obligations;
  if (dropFields.length === 0 && !coarsenGeo) return value;
  const dropped = withheldFields(dropFields);
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (node === null || typeof node !== 'object' || Object.getPrototypeOf(node) !== Object.prototype) {
      return node;
    }
    const out: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(node)) {
      if (dropped.has(key)) out[key] = null;
      else if (key === GEO_FIELD && coarsenGeo && typeof field === 'string') out[key] = country;
      else out[key] = walk(field);
    }
    return out;
  };
  return walk(value) as T;
}

/** The region a decision lets the partner see: the region itself, or the country when coarsened. */
export function visibleRegion(decision: Decision, region: string, country: string): string {
  return decision.obligations.coarsenGeo ? country : region;
}
