/** The detector's working context: state, config and the outputs of the event being processed. */
import type { FraudSignal, IvtVerdict } from '../../schema/index.ts';
import type { FraudConfig } from './config.ts';
import { tierOf } from './reasons.ts';
import type { EventMemory, FraudState } from './state.ts';

/** Verdicts and signals produced by one input event. */
export interface FraudOutput {
  verdicts: IvtVerdict[];
  signals: FraudSignal[];
}

/** What rule functions share while one event is processed. */
export interface DetectorContext {
  config: FraudConfig;
  state: FraudState;
  out: FraudOutput;
}

/** The verdict of an event as its memory stands now. */
export function verdictOf(memory: EventMemory): IvtVerdict {
  return {
    verdictId: `ivt:${memory.eventId}:${memory.revision}`,
    eventId: memory.eventId,
    adEventId: memory.adEventId,
    campaignId: memory.campaignId,
    subjectId: memory.subjectId,
    occurredAt: memory.occurredAt,
    type: memory.type,
    valid: memory.reasons.length === 0,
    tier: tierOf(memory.reasons),
    reasons: [...memory.reasons],
    revision: memory.revision,
  };
}

/**
 * Supersedes earlier verdicts that were valid with an invalid one carrying `reason` (a late SIVT finding).
 * Events already invalid keep their verdict: the revision exists to withdraw credit, not to relabel.
 */
export function reviseToInvalid(
  ctx: DetectorContext,
  eventIds: readonly string[],
  reason: string,
  include: (memory: EventMemory) => boolean,
): void {
  for (const eventId of eventIds) {
    const memory = ctx.state.events.get(eventId);
    if (memory === undefined || memory.reasons.length > 0 || !include(memory)) continue;
    memory.reasons = [reason];
    memory.revision += 1;
    ctx.out.verdicts.push(verdictOf(memory));
  }
}

const kindByPrefix = { ip: 'ip', device: 'device', subject: 'subject', prefix: 'ip_prefix' } as const;

/**
 * Publishes a spike from one source and flags it until the signal expires. A source already flagged for
 * longer is not signalled again (one signal per spike, not one per click).
 */
export function flagSource(
  ctx: DetectorContext,
  sourceKey: string,
  reason: string,
  windowStart: number,
  windowEnd: number,
  count: number,
): void {
  const expiresAt = windowEnd + ctx.config.signalTtlMs;
  const current = ctx.state.flagged.get(sourceKey);
  if (current !== undefined && current.expiresAt > windowEnd) return;
  ctx.state.flagged.set(sourceKey, { reason, from: windowStart, expiresAt });
  const separator = sourceKey.indexOf(':');
  const prefix = sourceKey.slice(0, separator) as keyof typeof kindByPrefix;
  ctx.out.signals.push({
    signalId: `signal:${reason}:${sourceKey}:${windowEnd}`,
    sourceKind: kindByPrefix[prefix],
    sourceHash: sourceKey.slice(separator + 1),
    reason,
    windowStart: new Date(windowStart).toISOString(),
    windowEnd: new Date(windowEnd).toISOString(),
    count,
    expiresAt: new Date(expiresAt).toISOString(),
  });
}
