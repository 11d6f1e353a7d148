/**
 * A stand-in for policies/engine `decide`, for the gateway's tests only: deny by default, one role list per
 * action, contract purposes checked, the strictest k (host floor 50, contract may raise it), noise for partners,
 * exact for the host. The access-matrix test states its own expected table; this one is only the stand-in's.
 */
import type {
  ContractsPort,
  Decision,
  GatewayAction,
  Obligations,
  PolicyPort,
  Role,
} from '../../../gateway/index.ts';

/** Roles the stand-in allows per action. */
const STAND_IN_ACCESS: Readonly<Record<GatewayAction, readonly Role[]>> = {
  'me.read': ['BRAND', 'QSR', 'PRIVACY_OFFICER', 'HOST_ADMIN'],
  'consent.read': ['PRIVACY_OFFICER', 'HOST_ADMIN'],
  'segments.list': ['BRAND', 'HOST_ADMIN'],
  'segment.size': ['BRAND', 'HOST_ADMIN'],
  'campaigns.list': ['BRAND', 'HOST_ADMIN'],
  'campaign.report': ['BRAND', 'HOST_ADMIN'],
  'audience.upload': ['BRAND'],
  'audience.overlap': ['BRAND'],
  'budget.read': ['BRAND', 'QSR', 'PRIVACY_OFFICER', 'HOST_ADMIN'],
  'triggers.read': ['QSR', 'HOST_ADMIN'],
  'decisions.read': ['PRIVACY_OFFICER'],
  'audit.verify': ['PRIVACY_OFFICER'],
  'audit.sth': ['PRIVACY_OFFICER'],
  'audit.proof': ['PRIVACY_OFFICER'],
  'contracts.read': ['PRIVACY_OFFICER', 'HOST_ADMIN'],
  'contracts.upsert': ['HOST_ADMIN'],
  'keys.rotate': ['HOST_ADMIN'],
  'signals.subscribe': ['BRAND'],
  'triggers.subscribe': ['QSR', 'HOST_ADMIN'],
  'campaign.metrics.subscribe': ['BRAND', 'HOST_ADMIN'],
  'decisions.subscribe': ['PRIVACY_OFFICER'],
  'stock.status': ['BRAND', 'HOST_ADMIN'],
  'campaign.pauses': ['BRAND', 'HOST_ADMIN'],
  'campaign.bids.subscribe': ['BRAND', 'HOST_ADMIN'],
  'offers.report': ['BRAND', 'HOST_ADMIN'],
};

const PURPOSE: Partial<Record<GatewayAction, string>> = {
  'segment.size': 'measurement',
  'campaign.bids.subscribe': 'measurement',
  'campaign.report': 'measurement',
  'campaign.metrics.subscribe': 'measurement',
  'audience.overlap': 'measurement',
  'offers.report': 'measurement',
  'signals.subscribe': 'activation',
  'triggers.read': 'trigger',
  'triggers.subscribe': 'trigger',
};

const NONE: Obligations = {
  thresholdK: 0,
  noiseEpsilon: null,
  pseudonymize: false,
  coarsenGeo: false,
  dropFields: [],
  exact: false,
};

/** Create the stand-in policy over a contracts port. */
export function createStandInPolicy(contracts: ContractsPort, hostFloorK = 50): PolicyPort {
  return {
    decide(principal, action, resource) {
      const deny = (reason: string, contractVersion: string | null = null): Decision => ({
        effect: 'deny',
        code: 'FORBIDDEN',
        obligations: NONE,
        reasons: [reason],
        contractVersion,
      });
      if (!STAND_IN_ACCESS[action].includes(principal.role))
        return deny(`role ${principal.role} may not ${action}`);
      if (principal.role === 'HOST_ADMIN' || principal.role === 'PRIVACY_OFFICER') {
        return {
          effect: 'allow',
          obligations: { ...NONE, exact: principal.role === 'HOST_ADMIN' },
          reasons: [`host role ${principal.role}`],
          contractVersion: null,
        };
      }
      const contract = contracts.get(principal.id);
      if (contract === undefined || contract.kind !== principal.role)
        return deny('no contract for this partner');
      const purpose = PURPOSE[action];
      if (purpose !== undefined && !contract.purposes.includes(purpose)) {
        return deny(`contract has no ${purpose} purpose`, contract.version);
      }
      if (action === 'signals.subscribe' && !contract.pseudonymousSignals) {
        return deny('contract does not allow pseudonymous signals', contract.version);
      }
      if (
        resource.kind === 'audience-upload' &&
        resource.id !== undefined &&
        resource.ownerId !== principal.id
      ) {
        return deny('the upload belongs to another partner', contract.version);
      }
      if (resource.kind === 'budget' && resource.ownerId !== undefined && resource.ownerId !== principal.id) {
        return deny('the budget belongs to another partner', contract.version);
      }
      if (
        resource.kind === 'segment' &&
        resource.id !== undefined &&
        !contract.segments.includes(resource.id)
      ) {
        return deny(`segment ${resource.id} is not shared`, contract.version);
      }
      if (
        resource.kind === 'campaign' &&
        resource.id !== undefined &&
        !contract.campaigns.includes(resource.id) &&
        !(contract.ownCampaigns && resource.ownerId === principal.id)
      ) {
        return deny('not the partner’s campaign', contract.version);
      }
      if (action === 'campaign.bids.subscribe' && !(contract.bidding?.actions ?? []).includes(action)) {
        return deny(`contract does not name ${action}`, contract.version);
      }
      if (action === 'offers.report') {
        // An aggregate over shoppers (threshold and noise below); the contract names it, the offers are its own.
        if (!(contract.offers?.actions ?? []).includes(action))
          return deny(`contract does not name ${action}`, contract.version);
        if (resource.ownerId !== principal.id) return deny('not the partner’s offers', contract.version);
      }
      if (action === 'stock.status' || action === 'campaign.pauses') {
        // Stock holds no shopper: the contract names the action, the products or campaign are the brand's own.
        if (!(contract.inventory?.actions ?? []).includes(action))
          return deny(`contract does not name ${action}`, contract.version);
        if (action === 'stock.status' && resource.ownerId !== principal.id)
          return deny('not the partner’s products', contract.version);
        return {
          effect: 'allow',
          obligations: NONE,
          reasons: [`contract allows ${action}`],
          contractVersion: contract.version,
        };
      }
      return {
        effect: 'allow',
        obligations: {
          ...NONE,
          thresholdK: Math.max(hostFloorK, contract.kThreshold),
          noiseEpsilon: contract.epsilonPerAggregate,
          pseudonymize: action === 'signals.subscribe',
        },
        reasons: [`contract ${contract.version} allows ${action}`],
        contractVersion: contract.version,
      };
    },
  };
}
