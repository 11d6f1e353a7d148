/**
 * The public face of policies/: identity, consent, contracts, the decision engine, privacy and audit.
 * Each area appends its exports here by name (no `export *`). Identity and contracts append only what other
 * folders take through this file: their own index.ts lists the rest, and repeating it here made two lists to
 * keep in step (policies/contracts/index.ts is imported directly; identity's internals only through the two).
 */
export {};
export {
  hashEmail,
  createIdentityStore,
  createPartnerKeyStore,
  loadOrCreateSecrets,
  secretsFromHostSecret,
} from './identity/index.ts';
export type { IdentityStore, PartnerKeyStore, HostSecrets } from './identity/index.ts';
export { ConsentError, createConsentLedger, DEFAULT_CONSENT, NO_CONSENT } from './consent/index.ts';
export type {
  ConsentErrorCode,
  ConsentLedger,
  ConsentLedgerOptions,
  ConsentState,
  ConsentApplyResult,
  ConsentCounts,
} from './consent/index.ts';
export {
  DEFAULT_HOST_CONFIG,
  hostConfigSchema,
  shortVersion,
  loadContracts,
  createContractRegistry,
  importContractsFromDir,
  FOOT_TRAFFIC_HOST_DEFAULTS,
} from './contracts/index.ts';
export type {
  PartnerContract,
  PartnerContractInput,
  HostConfig,
  HostConfigInput,
  RegisteredContract,
  ContractRegistry,
} from './contracts/index.ts';
export { decide } from './engine.ts';
export {
  effectiveThreshold,
  effectiveEpsilon,
  effectiveBudget,
  coarsestGeo,
  droppedFields,
  effectiveActivationMinimum,
  effectivePartitionSelectionDelta,
  effectiveUploadLimits,
} from './engine-obligations.ts';
export { ROLES, ACTIONS, RESOURCE_KIND_OF_ACTION } from './engine-model.ts';
export type {
  Role,
  Principal,
  Action,
  ResourceKind,
  Resource,
  DecisionContext,
  ConsentRequirement,
  Scope,
  Obligations,
  DenyCode,
  Decision,
} from './engine-model.ts';
export {
  PrivacyError,
  BelowThresholdError,
  BudgetExhaustedError,
  InvalidPrivacyParameterError,
  createCryptoRandomSource,
  uniformBelow,
  bernoulliRational,
  bernoulliExpNeg,
  sampleDiscreteLaplace,
  discreteLaplacePmf,
  EPSILON_DECIMAL_PLACES,
  epsilonToRational,
  epsilonToMicro,
  microToEpsilon,
  noisyCount,
  clampContributions,
  boundedSum,
  applyThreshold,
  requireThreshold,
  BUDGET_WINDOWS,
  budgetWindowBounds,
  createBudgetLedger,
  partitionSelectionThreshold,
  discreteLaplaceUpperTail,
  createContinualCounter,
  coveringNodes,
  treeLevels,
} from './privacy/index.ts';
export type {
  PrivacyErrorCode,
  BudgetExhaustedContext,
  RandomSource,
  PositiveInteger,
  Rational,
  NumericField,
  FilteredRowsSummary,
  ThresholdResult,
  BudgetWindow,
  BudgetKey,
  BudgetStatus,
  SpendResult,
  BudgetLedger,
  PartitionSelectionParameters,
  ContinualCounter,
  ContinualCounterOptions,
  ContinualCounterState,
  TreeNode,
} from './privacy/index.ts';
export {
  AuditError,
  createAuditLog,
  openAuditLog,
  auditLogPath,
  loadOrCreateAuditSigningKey,
  loadAuditPublicJwk,
  generateAuditSigningKey,
  auditDecisionOf,
  describeResource,
  digestRequest,
  auditEntryToJSON,
  hashLeaf,
  hashChildren,
  merkleTreeHash,
  inclusionPath,
  consistencyPath,
  rootFromInclusionProof,
  verifyInclusion,
  verifyConsistency,
  encodeHash,
  decodeHash,
  verifyTreeHeadSignature,
  verifyAuditStore,
  measureAudit,
} from './audit/index.ts';
export type {
  AuditErrorCode,
  AuditDecision,
  AuditEntry,
  AuditEntryJSON,
  DecisionToLog,
  AuditLog,
  AuditLogOptions,
  AuditEntryConnection,
  AuditEntryFilter,
  InclusionProof,
  ConsistencyProof,
  SignedTreeHead,
  AuditSigningKey,
  AuditVerification,
  AuditMeasurement,
} from './audit/index.ts';
