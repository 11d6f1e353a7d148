/**
 * Pure segment evaluation: which events a condition matches, the hits kept per condition, and whether a
 * subject is a member at a given time. The incremental processor and the brute-force reference both use it,
 * so they differ only in WHEN they evaluate, which is what the reference test checks.
 */
import type { CleanEvent } from '../../schema/topics.ts';
import {
  MS,
  inRelativeWindow,
  relativeWindowBoundaries,
  relativeWindowHorizon,
  utcDay,
} from '../runtime/index.ts';
import type { RelativeWindow } from '../runtime/index.ts';
import { conditionWindow } from './definition.ts';
import type { EventFilter, SegmentCondition, SegmentDefinition, SegmentRule } from './definition.ts';

/** A matching event kept for one condition: event time, amount (spend or 1), event id. */
export interface Hit {
  t: number;
  a: number;
  e: string;
}

type CompiledRule =
  | { kind: 'leaf'; index: number }
  | { kind: 'and' | 'or'; rules: CompiledRule[] }
  | { kind: 'not'; rule: CompiledRule };

/** A condition ready to evaluate. */
export interface CompiledCondition {
  condition: SegmentCondition;
  window: RelativeWindow;
  /** After this long a hit can no longer count. */
  horizonMs: number;
}

/** A segment ready to evaluate. */
export interface CompiledSegment {
  id: string;
  definition: SegmentDefinition;
  conditions: CompiledCondition[];
  rule: CompiledRule;
}

/** Compile a definition (conditions in depth-first order). */
export function compileSegment(definition: SegmentDefinition): CompiledSegment {
  const conditions: CompiledCondition[] = [];
  const compile = (rule: SegmentRule): CompiledRule => {
    if ('and' in rule) return { kind: 'and', rules: rule.and.map(compile) };
    if ('or' in rule) return { kind: 'or', rules: rule.or.map(compile) };
    if ('not' in rule) return { kind: 'not', rule: compile(rule.not) };
    const window = conditionWindow(rule);
    conditions.push({ condition: rule, window, horizonMs: relativeWindowHorizon(window) });
    return { kind: 'leaf', index: conditions.length - 1 };
  };
  const rule = compile(definition.rule);
  return { id: definition.id, definition, conditions, rule };
}

const allows = (allowed: string | string[] | undefined, value: string | undefined): boolean =>
  allowed === undefined ||
  (value !== undefined && (typeof allowed === 'string' ? allowed === value : allowed.includes(value)));

/** The amount an event contributes to a condition (spend, or 1), or null when it does not match. */
export function matchEvent(condition: SegmentCondition, event: CleanEvent): number | null {
  const filter: EventFilter = condition.match;
  if (!allows(filter.type, event.type)) return null;
  if (event.type === 'purchase') {
    if (!allows(filter.channel, event.channel) || !allows(filter.region, event.region)) return null;
    const itemLevel = filter.category !== undefined || filter.brand !== undefined || filter.sku !== undefined;
    const items = itemLevel
      ? event.items.filter(
          (item) =>
            allows(filter.category, item.category) &&
            allows(filter.brand, item.brand) &&
            allows(filter.sku, item.sku),
        )
      : event.items;
    if (items.length === 0) return null;
    if (condition.aggregate !== 'spend') return 1;
    return roundCents(items.reduce((sum, item) => sum + item.quantity * item.unitPrice, 0));
  }
  if (filter.brand !== undefined || filter.channel !== undefined) return null;
  const facts = event as { category?: string; sku?: string; region?: string };
  if (
    !allows(filter.category, facts.category) ||
    !allows(filter.sku, facts.sku) ||
    !allows(filter.region, facts.region)
  ) {
    return null;
  }
  return condition.aggregate === 'spend' ? 0 : 1;
}

/** The value of a condition's aggregate over its hits at `now`. */
export function aggregateValue(compiled: CompiledCondition, hits: readonly Hit[], now: number): number {
  const inWindow = hits.filter((hit) => inRelativeWindow(compiled.window, hit.t, now));
  switch (compiled.condition.aggregate) {
    case 'count':
      return inWindow.length;
    case 'spend':
      return roundCents(inWindow.reduce((sum, hit) => sum + hit.a, 0));
    case 'distinct_days':
      return new Set(inWindow.map((hit) => utcDay(hit.t))).size;
    case 'recency': {
      if (inWindow.length === 0) return Infinity;
      const last = Math.max(...inWindow.map((hit) => hit.t));
      return Math.floor((now - last) / MS.day);
    }
  }
}

/**
 * Whether a subject with these hits (per condition) is a member at `now`. A member must have at least one
 * hit inside its condition's window (segments describe observed shoppers: `not` alone never admits a
 * subject with no activity), and a recency condition with no hit in its window is false.
 */
export function isMember(segment: CompiledSegment, hits: readonly (readonly Hit[])[], now: number): boolean {
  const active = segment.conditions.some((compiled, index) =>
    (hits[index] ?? []).some((hit) => inRelativeWindow(compiled.window, hit.t, now)),
  );
  if (!active) return false;
  const evaluate = (rule: CompiledRule): boolean => {
    switch (rule.kind) {
      case 'leaf': {
        const compiled = segment.conditions[rule.index]!;
        const value = aggregateValue(compiled, hits[rule.index] ?? [], now);
        if (!Number.isFinite(value)) return false;
        const { min, max } = compiled.condition;
        return (min === undefined || value >= min) && (max === undefined || value <= max);
      }
      case 'and':
        return rule.rules.every(evaluate);
      case 'or':
        return rule.rules.some(evaluate);
      case 'not':
        return !evaluate(rule.rule);
    }
  };
  return evaluate(segment.rule);
}

/** Every instant after a hit at `t` where a condition's answer can change (for event-time timers). */
export function changeInstants(compiled: CompiledCondition, t: number): number[] {
  const instants = relativeWindowBoundaries(compiled.window, t);
  const { aggregate, min, max } = compiled.condition;
  if (aggregate === 'recency') {
    if (min !== undefined) instants.push(t + Math.max(0, Math.ceil(min)) * MS.day);
    if (max !== undefined && Number.isFinite(max)) instants.push(t + (Math.floor(max) + 1) * MS.day);
  }
  return instants;
}

/** Drop hits that can no longer count at `now` or later. */
export function pruneHits(compiled: CompiledCondition, hits: Hit[], now: number): Hit[] {
  return hits.filter((hit) => hit.t + compiled.horizonMs > now);
}

function roundCents(value: number): number {
  return Math.round(value * 100) / 100;
}
