/** Test helpers of the fraud area, shared with the integration suites. */
export { cleanAdEvent, cleanFromRaw, cleanPurchase } from './clean-from-raw.ts';
