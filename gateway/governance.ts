/**
 * The one path every resolver takes: authenticated principal -> `decide` -> the body describes its answer ->
 * the release step (gateway/release) charges, reads, noises, thresholds on the noised value and applies the
 * field obligations -> audit append (fail closed) -> answer. Denials and refusals (below threshold, budget
 * exhausted, difference check, not found) are audited too, with the epsilon they were charged, before the error
 * leaves. A body that returns a plain value ({ value }) answers only what holds no shopper data (lists from
 * the contract, the budget, the audit log).
 */
import { createHash } from 'node:crypto';
import type { GatewayContext } from './context.ts';
import {
  errorFor,
  extensionCodeOf,
  GatewayError,
  internalError,
  isGatewayErrorCode,
  unauthenticated,
} from './errors.ts';
import type { GatewayErrorCode } from './errors.ts';
import { isUnreleased, release } from './release/release-step.ts';
import type { Unreleased } from './release/release-step.ts';
import type {
  AuditEntry,
  ContractView,
  Decision,
  DecisionResource,
  GatewayAction,
  Principal,
} from './ports.ts';

/** What a governed body answers that holds no shopper data, with what the audit entry records of it. */
export interface GovernedResult<T> {
  value: T;
  rows?: number;
  suppressedRows?: number;
  epsilonSpent?: number;
}

/** What a governed body receives. */
export interface GovernedScope {
  principal: Principal;
  decision: Decision;
  contract: ContractView | undefined;
}

/** SHA-256 (hex) of a request's inputs, so the audit names them without holding them. */
export function digestOf(input: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify(input ?? null))
    .digest('hex');
}

function resourceName(resource: DecisionResource): string {
  return resource.id === undefined ? resource.kind : `${resource.kind}:${resource.id}`;
}

/**
 * The principal of the operation, or UNAUTHENTICATED — audited like a refused token (`NO_TOKEN`, folded per
 * source and second), and only after the entry is written or has failed.
 */
export async function requirePrincipal(context: GatewayContext): Promise<Principal> {
  if (context.principal !== null) return context.principal;
  await context.services.authAudit.refused(context.clientAddress, 'NO_TOKEN');
  throw unauthenticated('authentication required: send Authorization: Bearer <token>', {
    reason: 'NO_TOKEN',
  });
}

function codeOfError(error: unknown): GatewayErrorCode | null {
  if (error instanceof GatewayError) return error.code;
  const code = extensionCodeOf(error);
  if (isGatewayErrorCode(code)) return code;
  return null;
}

async function appendOrFail(
  context: GatewayContext,
  entry: Parameters<GatewayContext['services']['audit']['append']>[0],
): Promise<AuditEntry> {
  try {
    return await context.services.audit.append(entry);
  } catch {
    // Fail closed: an answer whose decision is not on the log is never released.
    context.services.metrics.auditFailures.inc();
    throw internalError('the decision could not be recorded; nothing was released', {
      reason: 'AUDIT_UNAVAILABLE',
    });
  }
}

/**
 * Run `body` under a policy decision and record the outcome before returning it.
 *
 * @example
 * return governed(context, 'segment.size', { kind: 'segment', id }, args, async ({ decision }) => ({ value }));
 */
export async function governed<T>(
  context: GatewayContext,
  action: GatewayAction,
  resource: DecisionResource,
  input: unknown,
  body: (
    scope: GovernedScope,
  ) => Promise<GovernedResult<T> | Unreleased<T>> | GovernedResult<T> | Unreleased<T>,
): Promise<T> {
  const principal = await requirePrincipal(context);
  const { services } = context;
  const decision = services.policy.decide(principal, action, resource, { input });
  services.metrics.decisions.inc({ effect: decision.effect, action });
  const base = {
    at: services.now().toISOString(),
    principal: principal.id,
    role: principal.role,
    action,
    resource: resourceName(resource),
    inputDigest: digestOf(input),
    obligations: decision.obligations,
    reasons: decision.reasons,
    contractVersion: decision.contractVersion,
  };
  if (decision.effect === 'deny') {
    const code: GatewayErrorCode = isGatewayErrorCode(decision.code) ? decision.code : 'FORBIDDEN';
    await appendOrFail(context, { ...base, effect: 'deny', code, result: null });
    throw errorFor(code, decision.reasons[0] ?? 'forbidden by policy', { partnerId: principal.id });
  }
  const contract = services.contracts.get(principal.id);
  let outcome: GovernedResult<T>;
  try {
    const answer = await body({ principal, decision, contract });
    outcome = isUnreleased(answer)
      ? await release({ services, principal, decision, contract }, answer as Unreleased<T>)
      : answer;
  } catch (error) {
    const code = codeOfError(error);
    // A refusal the obligations produced is a decision too: record it (with what it was charged) before the
    // error leaves.
    if (code !== null && code !== 'INTERNAL_SERVER_ERROR') {
      const charged = error instanceof GatewayError ? error.context.epsilonSpent : undefined;
      await appendOrFail(context, {
        ...base,
        effect: 'deny',
        code,
        reasons: [...decision.reasons, error instanceof Error ? error.message : code],
        result: charged === undefined ? null : { epsilonSpent: charged },
      });
      throw error instanceof GatewayError ? errorFor(error.code, error.message, error.context) : error;
    }
    // An unexpected failure released nothing; record that the allowed request ended in an error (best
    // effort, without the message, which may say anything), then let yoga mask it.
    await services.audit
      .append({ ...base, effect: 'deny', code: 'INTERNAL_SERVER_ERROR', result: null })
      .catch(() => services.metrics.auditFailures.inc());
    throw error;
  }
  await appendOrFail(context, {
    ...base,
    effect: 'allow',
    code: null,
    result: {
      ...(outcome.rows !== undefined ? { rows: outcome.rows } : {}),
      ...(outcome.suppressedRows !== undefined ? { suppressedRows: outcome.suppressedRows } : {}),
      ...(outcome.epsilonSpent !== undefined ? { epsilonSpent: outcome.epsilonSpent } : {}),
    },
  });
  return outcome.value;
}
