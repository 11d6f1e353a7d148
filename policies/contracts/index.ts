export { ContractError, ContractValidationError, ContractChangeRejectedError } from './errors.ts';
export type { ContractErrorCode, ContractProblem } from './errors.ts';
export {
  PURPOSES,
  INVENTORY_ACTIONS,
  BIDDING_ACTIONS,
  PARTNER_KINDS,
  HOST_ROLES,
  GEO_GRANULARITIES,
  partnerContractSchema,
  hostConfigSchema,
  DEFAULT_HOST_CONFIG,
  FOOT_TRAFFIC_HOST_DEFAULTS,
} from './schema.ts';
export type {
  Purpose,
  PartnerKind,
  HostRole,
  GeoGranularity,
  PartnerContract,
  PartnerContractInput,
  HostConfig,
  HostConfigInput,
} from './schema.ts';
export { canonicalJson, contentHash, shortVersion } from './canonical-json.ts';
export { contractVersionOf, safeParseContract, parseContract, safeParseHostConfig } from './validate.ts';
export type { VersionedContract, ParseResult, ParseOptions } from './validate.ts';
export { loadContracts, safeParseContractText } from './load.ts';
export type { LoadedContract, LoadedContracts } from './load.ts';
export { createContractRegistry } from './registry.ts';
export { importContractsFromDir } from './sync.ts';
export type { ImportedContracts } from './sync.ts';
export type {
  ContractSource,
  RegisteredContract,
  ContractChange,
  ContractChangeListener,
  UpsertResult,
  ContractRegistry,
} from './registry.ts';
