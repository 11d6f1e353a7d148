/**
 * `retail.loyalty`: a member's profile (linking email and phone to the loyalty id, with consent) published
 * just before their first activity, and later consent changes: opt-outs, opt-ins and a few erasures.
 */
import type { Consent, LoyaltyEvent } from '../schema/events.ts';
import type { SimulationContext } from './context.ts';
import { isoAt } from './context.ts';
import type { Shopper } from './shoppers.ts';
import { emailAsTyped } from './shoppers.ts';
import type { ConsentChangeTruth } from './truth.ts';

/** Publish a member's profile if it has not been published yet (guests have none). */
export function ensureProfile(ctx: SimulationContext, shopper: Shopper, atMs: number): void {
  if (shopper.profilePublished || shopper.loyaltyId === undefined) return;
  shopper.profilePublished = true;
  ctx.truth.publishedMembers.push(shopper.index);
  const profileAtMs = atMs - 1_000;
  const event: LoyaltyEvent = {
    eventId: ctx.nextId('loy'),
    occurredAt: isoAt(profileAtMs),
    loyaltyId: shopper.loyaltyId,
    email: emailAsTyped(ctx.random, shopper.email),
    ...(shopper.phone === undefined ? {} : { phone: shopper.phone }),
    ...(shopper.tier === undefined ? {} : { tier: shopper.tier }),
    consent: { ...shopper.consent },
  };
  const loyaltyId = shopper.loyaltyId;
  const consent = event.consent;
  const initialOptOut = !consent.partnerSharing || !consent.measurement;
  ctx.publish('retail.loyalty', loyaltyId, event, profileAtMs, {
    onTime: true,
    onEmit: initialOptOut
      ? () =>
          ctx.truth.consentChanges.push({
            eventId: event.eventId,
            loyaltyId,
            at: event.occurredAt,
            consent,
            kind: 'initial_opt_out',
          })
      : undefined,
  });
}

const NO_CONSENT: Consent = { measurement: false, personalization: false, partnerSharing: false };

/** A member with a published profile changes consent (or asks to be erased). */
export function changeConsent(ctx: SimulationContext, atMs: number): void {
  const { random, truth, world } = ctx;
  if (truth.publishedMembers.length === 0) return;
  const shopper = world.shoppers[random.pick(truth.publishedMembers)];
  if (shopper === undefined || shopper.erased || shopper.loyaltyId === undefined) return;
  const roll = random.float();
  let kind: ConsentChangeTruth['kind'];
  let consent: Consent;
  if (roll < 0.1) {
    kind = 'erasure';
    consent = { ...NO_CONSENT };
  } else if (roll < 0.7) {
    kind = 'opt_out';
    consent = { ...shopper.consent, partnerSharing: false };
  } else if (roll < 0.9) {
    kind = 'opt_out';
    consent = { ...NO_CONSENT };
  } else {
    kind = 'opt_in';
    consent = { measurement: true, personalization: true, partnerSharing: true };
  }
  shopper.consent = consent;
  const event: LoyaltyEvent = {
    eventId: ctx.nextId('loy'),
    occurredAt: isoAt(atMs),
    loyaltyId: shopper.loyaltyId,
    consent: { ...consent },
  };
  if (kind === 'erasure') {
    event.erase = true;
    // An erased member is gone: no more activity under their identifiers.
    shopper.erased = true;
    ctx.exposures.delete(shopper.index);
  }
  const loyaltyId = shopper.loyaltyId;
  ctx.publish('retail.loyalty', loyaltyId, event, atMs, {
    onTime: true,
    onEmit: () =>
      truth.consentChanges.push({
        eventId: event.eventId,
        loyaltyId,
        at: event.occurredAt,
        consent: event.consent,
        kind,
      }),
  });
}
