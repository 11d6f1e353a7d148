/**
 * The public face of policies/identity: UID2 normalization and hashing, subject ids, deterministic identity
 * links, partner pseudonyms with key epochs, and host secrets. Nothing else in the project handles a raw
 * identifier.
 */
export { IdentityError, isIdentityError } from './errors.ts';
export type { IdentityErrorCode, IdentityErrorContext } from './errors.ts';
export { normalizeEmail, normalizePhone } from './normalize.ts';
export {
  hashEmail,
  hashPhone,
  hashLoyaltyId,
  hashDeviceId,
  sha256Base64,
  hmacBase64url,
  isIdentifierHash,
} from './hash.ts';
export { hashIdentifiers, IDENTIFIER_KINDS } from './identifiers.ts';
export type { RawIdentifiers, IdentifierHashes, IdentifierKind } from './identifiers.ts';
export { subjectIdFor } from './subject-id.ts';
export { createIdentityStore } from './identity-store.ts';
export type { IdentityStore, IdentityStoreOptions, Resolution } from './identity-store.ts';
export { createPartnerKeyStore } from './partner-keys.ts';
export type {
  PartnerKeyStore,
  PartnerKeyStoreOptions,
  KeyRotation,
  EpochPseudonym,
  Pseudonymizer,
} from './partner-keys.ts';
export { createSharedPartnerKeyStore } from './shared-partner-keys.ts';
export type { SharedPartnerKeyStore } from './shared-partner-keys.ts';
export { loadOrCreateSecrets, secretsFromHostSecret, HOST_SECRET_ENV } from './secrets.ts';
export type { HostSecrets, LoadSecretsOptions } from './secrets.ts';
export type { DatabaseInput } from './identity-store.ts';
