import type { Action, Obligations, Role } from './engine-model.ts';

/** What a host principal may do; every action not listed is denied. Host answers carry no noise. */
type HostRule = { obligations: Obligations; reason: string };

const EXACT: HostRule = {
  obligations: { exact: true },
  reason: 'the host sees exact aggregates of its own data',
};
const PLAIN = (reason: string): HostRule => ({ obligations: {}, reason });

/** PRIVACY_OFFICER: the decision log, its integrity, contracts and budgets. */
const PRIVACY_OFFICER_RULES: Readonly<Partial<Record<Action, HostRule>>> = {
  'decisions.read': PLAIN('the privacy officer audits decisions'),
  'decisions.subscribe': PLAIN('the privacy officer audits decisions'),
  'audit.verify': PLAIN('the privacy officer verifies the audit log'),
  'audit.sth': PLAIN('the privacy officer verifies the audit log'),
  'audit.proof': PLAIN('the privacy officer verifies the audit log'),
  'contracts.read': PLAIN('the privacy officer reviews contracts'),
  'budget.read': PLAIN('the privacy officer watches budgets'),
};

/** HOST_ADMIN: contracts, keys and exact aggregates; never partner pseudonyms or partner uploads. */
const HOST_ADMIN_RULES: Readonly<Partial<Record<Action, HostRule>>> = {
  'segments.list': PLAIN('the host manages segments'),
  'segment.size': EXACT,
  'campaigns.list': PLAIN('the host manages campaigns'),
  'campaign.report': EXACT,
  'campaign.metrics.subscribe': EXACT,
  'triggers.read': EXACT,
  'triggers.subscribe': EXACT,
  'budget.read': PLAIN('the host operator reads budgets'),
  'contracts.read': PLAIN('the host manages contracts'),
  'contracts.upsert': PLAIN('the host manages contracts'),
  'keys.rotate': PLAIN('the host manages partner keys'),
  'stock.status': PLAIN('the host reads its own stock'),
  'campaign.pauses': PLAIN('the host runs the ad server the pauses are for'),
  'campaign.bids.subscribe': EXACT,
  'offers.report': EXACT,
};

/** The host rule for `role` and `action`, if any. */
export function hostRule(
  role: Extract<Role, 'PRIVACY_OFFICER' | 'HOST_ADMIN'>,
  action: Action,
): HostRule | undefined {
  return (role === 'PRIVACY_OFFICER' ? PRIVACY_OFFICER_RULES : HOST_ADMIN_RULES)[action];
}
