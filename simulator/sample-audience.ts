/**
 * A brand's sample audience for the demo: emails of loyalty members the demo's world introduces first (so the host
 * knows them within the demo's first minute), as they typed them, mixed with addresses of people who never shop
 * there. `examples/audiences/` ships it hashed the UID2 way (no email leaves this folder in the clear).
 */
import { demoSimulationOptions, demoStart } from './demo.ts';
import { simulate } from './simulation.ts';
import type { LoyaltyEvent } from '../schema/events.ts';

/** What {@link demoAudience} returns. */
export interface DemoAudience {
  /** Emails of demo shoppers, in the order the demo introduces them. */
  shopperEmails: string[];
  /** Addresses no demo shopper has (a domain the simulator never uses). */
  strangerEmails: string[];
}

/**
 * The first `members` loyalty members with an email that the demo's world (`seed`, default 1) publishes, and
 * `strangers` addresses of non-shoppers.
 *
 * @example
 * const { shopperEmails, strangerEmails } = demoAudience({ members: 600, strangers: 60 });
 */
export function demoAudience(options: { seed?: number; members: number; strangers: number }): DemoAudience {
  const simulation = simulate(demoSimulationOptions({ seed: options.seed ?? 1, startMs: demoStart() }));
  const canonical = new Map(
    simulation.world.shoppers.flatMap((shopper) =>
      shopper.loyaltyId === undefined ? [] : [[shopper.loyaltyId, shopper.email] as const],
    ),
  );
  const seen = new Set<string>();
  const shopperEmails: string[] = [];
  for (const record of simulation) {
    if (shopperEmails.length >= options.members) break;
    if (record.topic !== 'retail.loyalty') continue;
    const profile = record.value as LoyaltyEvent;
    if (profile.email === undefined) continue;
    // A member appears once; so does an address two members happen to share (as typed, they may differ).
    const address = canonical.get(profile.loyaltyId) ?? profile.email.trim().toLowerCase();
    if (seen.has(profile.loyaltyId) || seen.has(address)) continue;
    seen.add(profile.loyaltyId).add(address);
    shopperEmails.push(profile.email);
  }
  const strangerEmails = Array.from(
    { length: options.strangers },
    (_, index) => `reader${String(index + 1).padStart(3, '0')}@newsletter-only.example`,
  );
  return { shopperEmails, strangerEmails };
}
