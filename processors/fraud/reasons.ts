/** Reason codes of IVT verdicts and fraud signals (a closed set, stable on the wire). */

/** General invalid traffic: known from the event alone. */
export const GIVT_REASONS = {
  botUserAgent: 'bot_user_agent',
  datacenterIp: 'datacenter_ip',
  nonBrowserAgent: 'non_browser_agent',
  clickWithoutImpression: 'click_without_impression',
} as const;

/** Sophisticated invalid traffic: found from behaviour across events. */
export const SIVT_REASONS = {
  ipClickFrequency: 'ip_click_frequency',
  deviceClickFrequency: 'device_click_frequency',
  clickVelocity: 'click_velocity',
  duplicateClick: 'duplicate_click',
  impossibleTimeToClick: 'impossible_time_to_click',
  clickThroughRate: 'click_through_rate',
  noConversions: 'no_conversions',
  flaggedSource: 'flagged_source',
} as const;

/** A GIVT reason code. */
export type GivtReason = (typeof GIVT_REASONS)[keyof typeof GIVT_REASONS];
/** A SIVT reason code. */
export type SivtReason = (typeof SIVT_REASONS)[keyof typeof SIVT_REASONS];
/** Any verdict reason code. */
export type IvtReason = GivtReason | SivtReason;

const givtSet: ReadonlySet<string> = new Set(Object.values(GIVT_REASONS));

/** The tier a set of reasons earns: GIVT wins over SIVT (it is certain), none is valid. */
export function tierOf(reasons: readonly string[]): 'GIVT' | 'SIVT' | null {
  if (reasons.length === 0) return null;
  return reasons.some((reason) => givtSet.has(reason)) ? 'GIVT' : 'SIVT';
}
