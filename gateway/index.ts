/**
 * The public face of the gateway: `createGateway`, its ports and options, the development token helpers
 * (for `cleanroom token` and `serve`) and the adapters from policies/ to the ports (`createPolicyPorts`). Test
 * stand-ins of the ports live in test/support/stand-ins, never here.
 */
export { createGateway } from './server.ts';
export type { Gateway, GatewayOptions, GatewayAuthOptions, GatewayLogger } from './server.ts';
export type { GatewayPorts, SubscriptionLimits } from './context.ts';
export { ROLES } from './ports.ts';
export type {
  Role,
  Principal,
  GatewayAction,
  Obligations,
  Decision,
  DecisionResource,
  PolicyPort,
  ContractView,
  ContractsPort,
  AuditEntryInput,
  AuditEntry,
  AuditPage,
  AuditFilter,
  AuditPort,
  PseudonymPort,
  IdentityPort,
  BudgetStatus,
  BudgetPort,
  NoisePort,
  SegmentCatalogPort,
  PartnerIdentityProvider,
  HostPrivacyView,
  Log,
} from './ports.ts';
export { DEV_ISSUER, GATEWAY_AUDIENCE, loadOrCreateDevKeyPair, mintDevToken } from './auth/dev-keys.ts';
export type { DevKeyPair, MintTokenOptions } from './auth/dev-keys.ts';
export {
  ALLOWED_ALGORITHMS,
  DEFAULT_CLOCK_TOLERANCE_SECONDS,
  MAX_CLOCK_TOLERANCE_SECONDS,
  createClaimsVerifier,
  createTokenVerifier,
} from './auth/verifier.ts';
export type {
  ClaimsVerifier,
  IdentityProviderConfig,
  JwksCacheOptions,
  KeySource,
  TokenVerifier,
  TokenVerifierOptions,
} from './auth/verifier.ts';
export {
  AUTH_REFUSAL_REASONS,
  TOKEN_REFUSAL_REASONS,
  TokenRejectedError,
  isAuthRefusalReason,
  refusalMessage,
} from './auth/refusal-reasons.ts';
export type { AuthRefusalReason, TokenRefusalReason } from './auth/refusal-reasons.ts';
export { createTokenAuthenticator } from './auth/token-authenticator.ts';
export type {
  HostPrincipalEntry,
  TokenAuthenticator,
  TokenAuthenticatorOptions,
} from './auth/token-authenticator.ts';
export {
  ANONYMOUS_PRINCIPAL,
  AUTH_AUDIT_ACTION,
  OTHER_SOURCES,
  createAuthAuditor,
} from './auth/auth-audit.ts';
export type { AuthAuditor, AuthAuditorOptions, AuthAuditScheduler } from './auth/auth-audit.ts';
export {
  clientAddressOf,
  createSourcePseudonyms,
  loadOrCreateSourceKey,
  sourceOfAddress,
} from './auth/client-source.ts';
export { useJoseAuth } from './auth/use-jose-auth.ts';
export type { JoseAuthOptions, AuthContext } from './auth/use-jose-auth.ts';
export { WS_CLOSE_UNAUTHORIZED } from './websocket.ts';
export { GatewayError } from './errors.ts';
export type { GatewayErrorCode } from './errors.ts';
export {
  createPolicyPorts,
  createEnginePolicy,
  createRegistryContracts,
  createAuditAdapter,
  createBudgetAdapter,
  createIdentityAdapter,
  createPseudonymAdapter,
  policyNoise,
  toContractView,
  toHostPrivacyView,
} from './policy-adapters.ts';
export type { PolicyServices } from './policy-adapters.ts';
export { buildConsoleAssets, consoleResponse } from './console/serve-console.ts';
export type { ConsoleAssets } from './console/serve-console.ts';
