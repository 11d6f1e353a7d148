/**
 * The public face of policies/identity: UID2 normalization and hashing, subject ids, deterministic identity
 * links, partner pseudonyms with key epochs, and host secrets. Nothing else in the project handles a raw
 * identifier.
 */
export * from './errors.ts';
export * from './normalize.ts';
export * from './hash.ts';
export * from './identifiers.ts';
export * from './subject-id.ts';
export * from './identity-store.ts';
export * from './partner-keys.ts';
export * from './secrets.ts';
