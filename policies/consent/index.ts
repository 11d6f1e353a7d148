/**
 * The public face of policies/consent: the consent ledger (opt-out and erasure) fed by `retail.loyalty`.
 */
export { ConsentError } from './errors.ts';
export type { ConsentErrorCode } from './errors.ts';
export { createConsentLedger, DEFAULT_CONSENT, NO_CONSENT } from './consent-ledger.ts';
export type {
  ConsentLedger,
  ConsentLedgerOptions,
  ConsentState,
  ConsentApplyResult,
  ConsentCounts,
} from './consent-ledger.ts';
