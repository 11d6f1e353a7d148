export * from './errors.ts';
export {
  PURPOSES,
  INVENTORY_ACTIONS,
  PARTNER_KINDS,
  HOST_ROLES,
  GEO_GRANULARITIES,
  partnerContractSchema,
  hostConfigSchema,
  DEFAULT_HOST_CONFIG,
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
export * from './canonical-json.ts';
export * from './validate.ts';
export * from './load.ts';
export * from './registry.ts';
export * from './sync.ts';
