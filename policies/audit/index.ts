/**
 * policies/audit: the tamper-evident decision log (RFC 6962 Merkle tree, signed tree heads, proofs,
 * verification). Everything other folders may use is listed here by name.
 */
export { AuditError } from './errors.ts';
export type { AuditErrorCode, AuditErrorContext } from './errors.ts';
export { canonicalJson } from './canonical-json.ts';
export type { JsonValue } from './canonical-json.ts';
export {
  AUDIT_ENTRY_FORMAT,
  auditDecisionSchema,
  auditEntryToJSON,
  digestRequest,
  encodeAuditEntry,
} from './audit-entry.ts';
export type { AuditDecision, AuditEntry, AuditEntryJSON, ResultSummary } from './audit-entry.ts';
export { auditDecisionOf, describeResource } from './from-decision.ts';
export type { DecisionToLog } from './from-decision.ts';
export { EMPTY_ROOT_HASH, HASH_SIZE, hashChildren, hashLeaf } from './merkle-hash.ts';
export { consistencyPath, inclusionPath, merkleTreeHash, subtreeHashFromLeaves } from './merkle-proofs.ts';
export type { SubtreeHash } from './merkle-proofs.ts';
export { rootFromInclusionProof, verifyConsistency, verifyInclusion } from './merkle-verify.ts';
export { createCompactRange } from './compact-range.ts';
export type { CompactRange, CompletedNode } from './compact-range.ts';
export {
  TREE_HEAD_ALGORITHM,
  auditSigningKeyFromJwk,
  auditSigningKeyPath,
  generateAuditSigningKey,
  loadAuditPublicJwk,
  loadOrCreateAuditSigningKey,
} from './signing-key.ts';
export type { AuditSigningKey } from './signing-key.ts';
export { decodeHash, encodeHash, signTreeHead, verifyTreeHeadSignature } from './tree-head.ts';
export type { SignedTreeHead, TreeHead } from './tree-head.ts';
export { auditLogPath, createAuditLog, openAuditLog } from './audit-log.ts';
export type { OpenAuditLogOptions } from './audit-log.ts';
export type {
  AuditEntryConnection,
  AuditEntryFilter,
  AuditLog,
  AuditLogOptions,
  ConsistencyProof,
  InclusionProof,
} from './audit-log-types.ts';
export { openAuditStore } from './audit-store.ts';
export type { AuditStore, AuditStoreOptions } from './audit-store.ts';
export { verifyAuditStore } from './audit-verify.ts';
export type { AuditVerification, VerifyOptions } from './audit-verify.ts';
export { createAuditMetrics } from './instrumentation.ts';
export type { AuditMetrics } from './instrumentation.ts';
export { measureAudit } from './measure.ts';
export type { AuditMeasurement } from './measure.ts';
