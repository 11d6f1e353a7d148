/**
 * The public face of policies/consent: the consent ledger (opt-out and erasure) fed by `retail.loyalty`.
 */
export * from './errors.ts';
export * from './consent-ledger.ts';
