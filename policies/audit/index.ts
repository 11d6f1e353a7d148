/**
 * policies/audit: the tamper-evident decision log (RFC 6962 Merkle tree, signed tree heads, proofs,
 * verification). Everything other folders may use is exported here; the rest of the folder is private to it.
 */
export * from './errors.ts';
export * from './canonical-json.ts';
export {
  AUDIT_ENTRY_FORMAT,
  auditDecisionSchema,
  auditEntryToJSON,
  digestRequest,
  encodeAuditEntry,
} from './audit-entry.ts';
export type { AuditDecision, AuditEntry, AuditEntryJSON, ResultSummary } from './audit-entry.ts';
export * from './from-decision.ts';
export { EMPTY_ROOT_HASH, HASH_SIZE, hashChildren, hashLeaf } from './merkle-hash.ts';
export * from './merkle-proofs.ts';
export * from './merkle-verify.ts';
export * from './compact-range.ts';
export * from './signing-key.ts';
export * from './tree-head.ts';
export * from './audit-log.ts';
export type * from './audit-log-types.ts';
export { openAuditStore } from './audit-store.ts';
export type { AuditStore, AuditStoreOptions } from './audit-store.ts';
export * from './audit-verify.ts';
export * from './instrumentation.ts';
export * from './measure.ts';
