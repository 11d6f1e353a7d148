/**
 * Adapter from the decision engine's types to an audit entry, so the gateway logs a decision in one line.
 * Only types are imported from the engine: the audit log does not depend on it at run time.
 */
import type { Action, Decision, Principal, Resource } from '../engine-model.ts';
import { digestRequest } from './audit-entry.ts';
import type { AuditDecision, ResultSummary } from './audit-entry.ts';
import type { JsonValue } from './canonical-json.ts';

/** What the gateway knows once a decision is made (and, when allowed, once the answer is computed). */
export interface DecisionToLog {
  principal: Principal;
  action: Action;
  resource: Resource;
  decision: Decision;
  /**
   * The request as the gateway received it, after pseudonymization (never a raw identifier); only its
   * SHA-256 is logged.
   */
  request: unknown;
  /** What the answer released; omit for a denial. */
  resultSummary?: ResultSummary;
  decisionId?: string;
  at?: Date;
}

/** The resource as logged: `kind`, or `kind:id` when the request names one. */
export function describeResource(resource: Resource): string {
  return resource.id === undefined ? resource.kind : `${resource.kind}:${resource.id}`;
}

/**
 * Build the audit decision of an engine decision.
 *
 * @example
 * const decision = decide(principal, 'segment.size', resource, context);
 * auditLog.append(auditDecisionOf({ principal, action: 'segment.size', resource, decision, request, resultSummary }));
 */
export function auditDecisionOf(input: DecisionToLog): AuditDecision {
  const { decision } = input;
  return {
    decisionId: input.decisionId,
    at: input.at,
    principal: { id: input.principal.id, role: input.principal.role },
    action: input.action,
    resource: describeResource(input.resource),
    inputDigest: digestRequest(input.request),
    effect: decision.effect,
    code: decision.effect === 'deny' ? decision.code : null,
    // Obligations are plain data (numbers, strings, arrays); the canonical encoding checks that at append.
    obligations: decision.obligations as unknown as JsonValue,
    reasons: [...decision.reasons],
    contractVersion: decision.contractVersion,
    resultSummary: input.resultSummary ?? { rows: 0, suppressedRows: 0, epsilonSpent: 0 },
  };
}
