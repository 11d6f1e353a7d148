/**
 * The public face of policies/: identity, consent, contracts, the decision engine, privacy and audit.
 * Each area appends its exports here by name (no `export *`).
 */
export {};
