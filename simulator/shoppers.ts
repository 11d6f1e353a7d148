/**
 * Simulated shoppers: loyalty members with emails and E.164 phones, guests without a profile, their devices,
 * addresses and user agents. Identifiers appear in events the way real systems type them (mixed case,
 * spaces, gmail dots and `+tags`), so normalization has work to do.
 */
import type { Consent } from '../schema/events.ts';
import { REGIONS, STORES_PER_REGION } from './catalogue.ts';
import { BROWSER_USER_AGENTS, residentialIp } from './network.ts';
import { createWeightedPicker, hashLabel } from './random.ts';
import type { Random } from './random.ts';

/** A device a shopper uses. */
export interface Device {
  deviceId: string;
  /** `app`: the retailer's app (logged in); `web`: a browser. */
  kind: 'app' | 'web';
  userAgent: string;
  ip: string;
}

/** A shopper and the mutable state the simulation keeps about them. */
export interface Shopper {
  index: number;
  /** Absent for a guest (no loyalty profile). */
  loyaltyId?: string;
  /** The email on the profile (guests may still give one at an online checkout). */
  email: string;
  phone?: string;
  tier?: string;
  region: string;
  regionIndex: number;
  homeStoreIndex: number;
  devices: Device[];
  consent: Consent;
  /** Whether the loyalty profile has been published yet. */
  profilePublished: boolean;
  erased: boolean;
}

const FIRST_NAMES = [
  'ada',
  'alex',
  'ana',
  'ben',
  'chen',
  'dana',
  'eli',
  'emma',
  'fatima',
  'grace',
  'hugo',
  'ivan',
  'jamal',
  'jo',
  'kai',
  'lena',
  'liam',
  'maria',
  'mei',
  'noah',
  'olu',
  'priya',
  'quinn',
  'rosa',
  'sam',
  'tariq',
  'uma',
  'vik',
  'wen',
  'yara',
  'zoe',
];
const LAST_NAMES = [
  'adams',
  'baker',
  'costa',
  'diaz',
  'evans',
  'fischer',
  'garcia',
  'hughes',
  'ito',
  'jones',
  'khan',
  'lopez',
  'moreau',
  'nguyen',
  'okafor',
  'patel',
  'quist',
  'rossi',
  'smith',
  'tanaka',
  'ueda',
  'vargas',
  'wright',
  'xu',
  'young',
  'zhang',
];
const EMAIL_DOMAINS = ['gmail.com', 'yahoo.com', 'outlook.com', 'icloud.com', 'proton.me', 'example.net'];
const EMAIL_DOMAIN_WEIGHTS = [40, 15, 15, 15, 5, 10];
const TIERS = ['basic', 'silver', 'gold'];
const FULL_CONSENT: Consent = { measurement: true, personalization: true, partnerSharing: true };

/** Share of shoppers without a loyalty profile. */
export const GUEST_SHARE = 0.15;

function phoneNumber(random: Random): string {
  if (random.chance(0.08)) return `+447${random.between(100, 999)}${random.between(100000, 999999)}`;
  return `+1${random.between(2, 9)}${random.between(10, 99)}${random.between(2, 9)}${random.between(10, 99)}${random.between(1000, 9999)}`;
}

function makeDevice(random: Random, kind: 'app' | 'web', homeIp: string): Device {
  return {
    deviceId: `dev-${random.hex(16)}`,
    kind,
    userAgent: random.pick(BROWSER_USER_AGENTS),
    // Phones on the carrier network get their own address, the rest share the home router's.
    ip: kind === 'app' && random.chance(0.4) ? residentialIp(random) : homeIp,
  };
}

/** Create `count` shoppers; about {@link GUEST_SHARE} of them are guests. */
export function createShoppers(random: Random, count: number): Shopper[] {
  const regionPicker = createWeightedPicker(
    REGIONS.map((_, index) => index),
    REGIONS.map((region) => region.shopperShare),
  );
  const domainPicker = createWeightedPicker(EMAIL_DOMAINS, EMAIL_DOMAIN_WEIGHTS);
  const usedLoyaltyIds = new Set<string>();
  const shoppers: Shopper[] = [];
  for (let index = 0; index < count; index += 1) {
    const regionIndex = regionPicker.pick(random);
    const guest = random.chance(GUEST_SHARE);
    const first = random.pick(FIRST_NAMES);
    const last = random.pick(LAST_NAMES);
    const email = `${first}.${last}${random.int(10_000)}@${domainPicker.pick(random)}`;
    const homeIp = residentialIp(random);
    const devices = [makeDevice(random, random.chance(0.55) ? 'app' : 'web', homeIp)];
    if (random.chance(0.35)) devices.push(makeDevice(random, 'web', homeIp));
    const shopper: Shopper = {
      index,
      email,
      region: (REGIONS[regionIndex] ?? REGIONS[0])!.name,
      regionIndex,
      homeStoreIndex: regionIndex * STORES_PER_REGION + random.int(STORES_PER_REGION),
      devices,
      consent: { ...FULL_CONSENT },
      profilePublished: false,
      erased: false,
    };
    if (!guest) {
      let loyaltyId = `LY${random.between(10_000_000, 99_999_999)}`;
      while (usedLoyaltyIds.has(loyaltyId)) loyaltyId = `LY${random.between(10_000_000, 99_999_999)}`;
      usedLoyaltyIds.add(loyaltyId);
      shopper.loyaltyId = loyaltyId;
      if (random.chance(0.8)) shopper.phone = phoneNumber(random);
      shopper.tier = random.pick(TIERS);
      const roll = random.float();
      if (roll < 0.03)
        shopper.consent = { measurement: false, personalization: false, partnerSharing: false };
      else if (roll < 0.08)
        shopper.consent = { measurement: true, personalization: true, partnerSharing: false };
    }
    shoppers.push(shopper);
  }
  return shoppers;
}

/**
 * The email as a form or a till would capture it: case changes and stray spaces for every domain; for
 * gmail also moved dots and a `+tag` (gmail ignores both, so normalization recovers the same address).
 */
export function emailAsTyped(random: Random, email: string): string {
  const roll = random.float();
  if (roll < 0.5) return email;
  const at = email.indexOf('@');
  let local = email.slice(0, at);
  let domain = email.slice(at + 1);
  if (domain === 'gmail.com') {
    if (random.chance(0.5)) local = local.replace(/\./g, '');
    if (random.chance(0.4)) local = `${local}+${random.pick(['promo', 'shop', 'news', 'deals'])}`;
  }
  if (random.chance(0.5)) {
    local = local.charAt(0).toUpperCase() + local.slice(1);
    domain = random.chance(0.5) ? domain.toUpperCase() : domain.charAt(0).toUpperCase() + domain.slice(1);
  }
  const typed = `${local}@${domain}`;
  return random.chance(0.3) ? ` ${typed} ` : typed;
}

/** Whether a shopper is held out of a campaign (never shown its ads); fixed per shopper and campaign. */
export function isHeldOut(shopper: Shopper, campaignId: string, holdoutPercent: number): boolean {
  if (holdoutPercent <= 0) return false;
  const key = shopper.loyaltyId ?? shopper.devices[0]?.deviceId ?? String(shopper.index);
  return hashLabel(`${campaignId}:${key}`) % 100 < holdoutPercent;
}
