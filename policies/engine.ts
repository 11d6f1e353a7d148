import { ACTIONS, RESOURCE_KIND_OF_ACTION, ROLES } from './engine-model.ts';
import type {
  Action,
  Decision,
  DecisionContext,
  DenyCode,
  Principal,
  Resource,
  Role,
} from './engine-model.ts';
import { hostRule } from './engine-host-rules.ts';
import { BRAND_RULES, QSR_RULES } from './engine-partner-rules.ts';

export { ACTIONS, RESOURCE_KIND_OF_ACTION, ROLES } from './engine-model.ts';
export type {
  Action,
  ConsentRequirement,
  Decision,
  DecisionContext,
  DenyCode,
  Obligations,
  Principal,
  Resource,
  ResourceKind,
  Role,
  Scope,
} from './engine-model.ts';

function deny(reason: string, contractVersion: string | null, code: DenyCode = 'FORBIDDEN'): Decision {
  return { effect: 'deny', code, obligations: {}, reasons: [reason], contractVersion };
}

function isRole(value: unknown): value is Role {
  return (ROLES as readonly unknown[]).includes(value);
}

function isAction(value: unknown): value is Action {
  return (ACTIONS as readonly unknown[]).includes(value);
}

/**
 * Decides whether `principal` may perform `action` on `resource`, and on what terms.
 *
 * Pure: the answer depends only on the arguments (the clock is `context.now`), so the same request
 * always gets the same decision and a decision can be replayed from the audit log. Deny by default:
 * only a combination a rule explicitly allows is allowed; a missing principal is UNAUTHENTICATED,
 * everything else FORBIDDEN. Where host rules and the contract both speak, the strictest wins
 * (the higher threshold, the smaller epsilon and budget, the coarser geography, the union of dropped fields).
 *
 * @example
 * const decision = decide({ id: 'fresh-oats', role: 'BRAND' }, 'segment.size',
 *   { kind: 'segment', id: 'plant-based-buyers' }, { contract, host, now: new Date() });
 * if (decision.effect === 'allow') applyThreshold(rows, decision.obligations.thresholdK ?? 1, ...);
 */
export function decide(
  principal: Principal | null | undefined,
  action: Action,
  resource: Resource,
  context: DecisionContext,
): Decision {
  if (
    principal === null ||
    principal === undefined ||
    typeof principal.id !== 'string' ||
    principal.id === ''
  ) {
    return deny('no authenticated principal', null, 'UNAUTHENTICATED');
  }
  if (!isRole(principal.role)) return deny('unknown role', null);
  if (!isAction(action)) return deny('unknown action', null);
  const expectedKind = RESOURCE_KIND_OF_ACTION[action];
  if (resource?.kind !== expectedKind) return deny(`${action} applies to a ${expectedKind} resource`, null);

  if (principal.role === 'PRIVACY_OFFICER' || principal.role === 'HOST_ADMIN') {
    const role = principal.role;
    const listed = context.host.principals.some((entry) => entry.id === principal.id && entry.role === role);
    if (!listed) return deny(`${principal.id} is not a ${role} in the host configuration`, null);
    const rule = hostRule(role, action);
    if (rule === undefined) return deny(`role ${role} may not ${action}`, null);
    return {
      effect: 'allow',
      obligations: structuredClone(rule.obligations),
      reasons: [rule.reason],
      contractVersion: null,
    };
  }

  const versioned = context.contract;
  if (versioned === undefined) return deny(`no contract for ${principal.id}`, null);
  const { contract, version } = versioned;
  if (contract.partnerId !== principal.id) return deny('the contract belongs to another partner', null);
  if (contract.kind !== principal.role)
    return deny(`the contract is for a ${contract.kind}, not a ${principal.role}`, version);
  const now = context.now.getTime();
  if (contract.validFrom !== undefined && now < Date.parse(contract.validFrom)) {
    return deny('the contract is not in force yet', version);
  }
  if (contract.validUntil !== undefined && now >= Date.parse(contract.validUntil)) {
    return deny('the contract has expired', version);
  }
  const rule = (principal.role === 'BRAND' ? BRAND_RULES : QSR_RULES)[action];
  if (rule === undefined) return deny(`role ${principal.role} may not ${action}`, version);
  const outcome = rule({
    principal,
    resource,
    contract,
    host: context.host,
    pseudonymEpoch: context.pseudonymEpoch,
  });
  if (!outcome.allow) return deny(outcome.reason, version);
  return {
    effect: 'allow',
    obligations: outcome.obligations,
    reasons: outcome.reasons,
    contractVersion: version,
  };
}
