import { z } from 'zod';
import { FOOT_TRAFFIC_CATEGORY } from '../../schema/topics.ts';
import { epsilonToMicro, microToEpsilon } from '../privacy/rational.ts';

/** What a partner may use the clean room for. */
export const PURPOSES = ['measurement', 'activation', 'trigger'] as const;
export type Purpose = (typeof PURPOSES)[number];

/** The two kinds of partner. */
export const PARTNER_KINDS = ['BRAND', 'QSR'] as const;
export type PartnerKind = (typeof PARTNER_KINDS)[number];

/** The host's own roles (its principals are listed in the host configuration, not in contracts). */
export const HOST_ROLES = ['PRIVACY_OFFICER', 'HOST_ADMIN'] as const;
export type HostRole = (typeof HOST_ROLES)[number];

/**
 * Result fields a contract or the host may withhold from partners (`dropFields`): the gateway's release step
 * returns null for them in every answer and signal. Any other name is refused, so a typo cannot silently
 * withhold nothing.
 */
export const DROPPABLE_FIELDS = [
  'exposedSubjects',
  'conversions',
  'revenue',
  'spend',
  'roas',
  'lift',
  'distinctBuyers',
  'observed',
  'baseline',
  'region',
  'day',
  'channel',
] as const;
export type DroppableField = (typeof DROPPABLE_FIELDS)[number];
const droppableField = z.enum(DROPPABLE_FIELDS);

/** Finest geography a partner may see: `region` (finer) or `country` (coarser). */
export const GEO_GRANULARITIES = ['region', 'country'] as const;
export type GeoGranularity = (typeof GEO_GRANULARITIES)[number];

const identifier = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9_-]{0,62}$/,
    'must be 1-63 lower-case letters, digits, "-" or "_", starting alphanumeric',
  );
const budgetWindow = z.enum(['day', 'week', 'month']);
const epsilon = z
  .number()
  .positive()
  .max(100)
  .refine(
    (value) => !(value > 0 && value <= 100) || microToEpsilon(epsilonToMicro(value)) === value,
    'must have at most 6 decimal places',
  );
const positiveInt = z.number().int().positive();

const budgetSchema = z.strictObject({ epsilon, window: budgetWindow });
const positiveAmount = z.number().positive().max(1_000_000_000);
/** δ of DP partition selection: at most 1e-3, as a row released on one shopper's account must stay improbable. */
const delta = z.number().positive().max(1e-3);

/** A contract's privacy settings: each may only make the host's stricter (the engine takes the strictest). */
const contractPrivacySchema = z.strictObject({
  /** δ of DP partition selection for report rows; may only lower the host's. */
  partitionSelectionDelta: delta.optional(),
  /** Noised segment size at or above which audience signals flow; may only raise the host's minimum. */
  activationMinimum: z.number().int().positive().optional(),
  uploads: z
    .strictObject({
      /** Fewest hashes an audience upload may hold; may only raise the host's. */
      minimumSize: z.number().int().positive().optional(),
      /** Most uploads per budget window; may only lower the host's. */
      maxPerWindow: z.number().int().positive().optional(),
    })
    .default({}),
});

/** The host's privacy mechanisms: partition selection, contribution bounds, activation, live release, uploads. */
const hostPrivacySchema = z.strictObject({
  /** δ of DP partition selection (rows whose presence depends on the data). */
  partitionSelectionDelta: delta.default(1e-6),
  /**
   * Per-subject clamps applied before summing, per campaign, day and channel cell; a subject contributes to at
   * most `cellsPerCampaign` cells of a campaign. Noise scales follow these bounds.
   */
  contributionBounds: z
    .strictObject({
      conversions: positiveAmount.default(3),
      revenue: positiveAmount.default(200),
      spend: positiveAmount.default(50),
      cellsPerCampaign: z.number().int().positive().max(366).default(4),
    })
    .default({ conversions: 3, revenue: 200, spend: 50, cellsPerCampaign: 4 }),
  /**
   * Audience signals flow only while a noised segment size stays at or above the minimum (with hysteresis). The
   * minimum in force is never below the threshold floor nor the contract's k.
   */
  activation: z
    .strictObject({
      minimumSize: z.number().int().positive().default(100),
      /** The gate opens at minimum + hysteresis and closes below minimum - hysteresis. */
      hysteresis: z.number().int().nonnegative().default(10),
      /** At most one decision per partner and segment in each interval. */
      decisionIntervalSeconds: z.number().int().positive().default(3_600),
      /** What one decision spends from the partner's budget. */
      epsilonPerDecision: epsilon.default(0.05),
    })
    .default({ minimumSize: 100, hysteresis: 10, decisionIntervalSeconds: 3_600, epsilonPerDecision: 0.05 }),
  /** Live aggregates (continual counting): one ε per budget window, one noisy update per tick. */
  continualRelease: z
    .strictObject({
      tickSeconds: z.number().int().positive().default(10),
      epsilonPerWindow: epsilon.default(1),
    })
    .default({ tickSeconds: 10, epsilonPerWindow: 1 }),
  /** Audience uploads: the smallest list and the most lists per budget window. */
  uploads: z
    .strictObject({
      minimumSize: z.number().int().positive().default(100),
      maxPerWindow: z.number().int().positive().default(20),
    })
    .default({ minimumSize: 100, maxPerWindow: 20 }),
  /** Demand triggers: the ε each judged window spends, and per-buyer clamps within one window. */
  triggers: z
    .strictObject({
      epsilonPerWindow: epsilon.default(1),
      maxUnitsPerBuyer: z.number().int().positive().default(5),
      maxCategoriesPerBuyer: z.number().int().positive().default(3),
    })
    .default({ epsilonPerWindow: 1, maxUnitsPerBuyer: 5, maxCategoriesPerBuyer: 3 }),
  /**
   * Foot-traffic triggers: the ε each judged region-hour spends, and the clamp of one zone sensor record's count
   * (people entering over its window) before it is summed, which is the release's sensitivity. Optional without a
   * default, so that host files written before it keep their content hash; absent, FOOT_TRAFFIC_HOST_DEFAULTS.
   */
  footTraffic: z
    .strictObject({
      epsilonPerWindow: epsilon.default(1),
      maxEntriesPerRecord: z.number().int().positive().max(100_000).default(100),
    })
    .optional(),
});

/** The foot-traffic settings in force when the host file has no `privacy.footTraffic` block. */
export const FOOT_TRAFFIC_HOST_DEFAULTS = { epsilonPerWindow: 1, maxEntriesPerRecord: 100 } as const;
/** Algorithms a partner's identity provider may sign with (the gateway accepts no others). */
export const IDENTITY_PROVIDER_ALGORITHMS = ['EdDSA', 'ES256', 'RS256'] as const;

/** JWK members that only a private or secret key has: a contract names public keys only. */
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

const base64url = z.string().regex(/^[A-Za-z0-9_-]+$/, 'must be base64url');

/** One public verification key (RFC 7517): Ed25519 (OKP), P-256 (EC) or RSA of at least 2048 bits. */
const publicJwkSchema = z
  .looseObject({
    kty: z.enum(['OKP', 'EC', 'RSA']),
    kid: z.string().min(1).max(256).optional(),
    alg: z.enum(IDENTITY_PROVIDER_ALGORITHMS).optional(),
    use: z.literal('sig', 'must be "sig" (a signing key)').optional(),
    crv: z.string().optional(),
    x: base64url.optional(),
    y: base64url.optional(),
    n: base64url.optional(),
    e: base64url.optional(),
  })
  .superRefine((jwk, context) => {
    for (const member of PRIVATE_JWK_MEMBERS) {
      if (member in jwk) {
        context.addIssue({
          code: 'custom',
          path: [member],
          message: `a contract holds public keys only: remove the private member "${member}"`,
        });
      }
    }
    const requireMembers = (members: Array<'crv' | 'x' | 'y' | 'n' | 'e'>): void => {
      for (const member of members) {
        if (jwk[member] === undefined)
          context.addIssue({ code: 'custom', path: [member], message: `is required for a ${jwk.kty} key` });
      }
    };
    const expectedAlg = { OKP: 'EdDSA', EC: 'ES256', RSA: 'RS256' }[jwk.kty];
    if (jwk.alg !== undefined && jwk.alg !== expectedAlg)
      context.addIssue({
        code: 'custom',
        path: ['alg'],
        message: `a ${jwk.kty} key signs with ${expectedAlg}`,
      });
    if (jwk.kty === 'OKP') {
      requireMembers(['crv', 'x']);
      if (jwk.crv !== undefined && jwk.crv !== 'Ed25519')
        context.addIssue({ code: 'custom', path: ['crv'], message: 'must be Ed25519' });
    } else if (jwk.kty === 'EC') {
      requireMembers(['crv', 'x', 'y']);
      if (jwk.crv !== undefined && jwk.crv !== 'P-256')
        context.addIssue({ code: 'custom', path: ['crv'], message: 'must be P-256 (ES256)' });
    } else {
      requireMembers(['n', 'e']);
      // 2048 bits = 256 bytes = 342 base64url characters (a leading zero byte may add one or two).
      if (jwk.n !== undefined && jwk.n.length < 342)
        context.addIssue({ code: 'custom', path: ['n'], message: 'RSA keys must have at least 2048 bits' });
    }
  });

const httpsOrLoopback = z.url().refine((value) => {
  const url = new URL(value);
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
}, 'must be an https URL (plain http only for a loopback address)');

const audienceValue = z.string().min(1).max(512);

/**
 * The partner's own identity provider: its tokens are verified against these keys, this issuer and this
 * audience only, never against the host's provider or another partner's. Keys come from a JWKS URL (fetched,
 * cached and refetched when a token names an unknown `kid`) or are listed inline.
 */
const identityProviderSchema = z
  .strictObject({
    /** The `iss` its tokens carry, exactly. */
    issuer: z.string().min(1).max(512),
    /** The `aud` its tokens must name (one of them, if a list). */
    audience: z.union([audienceValue, z.array(audienceValue).min(1).max(10)], {
      error: 'must be the audience (a string, or a list of 1 to 10) that its tokens name',
    }),
    jwksUrl: httpsOrLoopback.optional(),
    /** Public JWKs, when the partner hands keys over instead of publishing a JWKS. */
    keys: z.array(publicJwkSchema).min(1).max(20).optional(),
  })
  .superRefine((provider, context) => {
    if ((provider.jwksUrl === undefined) === (provider.keys === undefined)) {
      context.addIssue({
        code: 'custom',
        path: ['jwksUrl'],
        message: 'name exactly one of jwksUrl or keys',
      });
    }
    const kids = new Set<string>();
    provider.keys?.forEach((key, index) => {
      if (key.kid === undefined) return;
      if (kids.has(key.kid))
        context.addIssue({ code: 'custom', path: ['keys', index, 'kid'], message: 'duplicate kid' });
      kids.add(key.kid);
    });
  });

/** A partner's own identity provider, as validated. */
export type IdentityProvider = z.output<typeof identityProviderSchema>;

const allOrList = z.union([z.literal('all'), z.array(identifier)]);

const campaignVisibilitySchema = z
  .union([
    z.literal('own'),
    z.literal('none'),
    z.strictObject({ own: z.boolean().default(true), ids: z.array(identifier).default([]) }),
  ])
  .transform((value) => {
    if (value === 'own') return { own: true, ids: [] as string[] };
    if (value === 'none') return { own: false, ids: [] as string[] };
    return value;
  });

/** What a brand may see of the retailer's stock: each action is named, none is implied. */
export const INVENTORY_ACTIONS = ['stock.status', 'campaign.pauses'] as const;
export type InventoryAction = (typeof INVENTORY_ACTIONS)[number];

const inventoryVisibilitySchema = z.strictObject({
  /** `stock.status`: in-stock share of its own products by region; `campaign.pauses`: its campaigns' pauses. */
  actions: z.array(z.enum(INVENTORY_ACTIONS)).max(INVENTORY_ACTIONS.length).default([]),
  /** The host's ad server may serve a sibling product (same brand and category, in stock) for a paused line. */
  substitution: z.boolean().default(false),
});

/** What a brand may see of the bidding stage's output: each action is named, none is implied. */
export const BIDDING_ACTIONS = ['campaign.bids.subscribe'] as const;
export type BiddingAction = (typeof BIDDING_ACTIONS)[number];

const biddingVisibilitySchema = z.strictObject({
  /** `campaign.bids.subscribe`: its own campaigns' bid multipliers, recomputed from noised counts. */
  actions: z.array(z.enum(BIDDING_ACTIONS)).min(1).max(BIDDING_ACTIONS.length),
});

/** What a brand may see of its in-store offers: each action is named, none is implied. */
export const OFFER_ACTIONS = ['offers.report'] as const;
export type OfferAction = (typeof OFFER_ACTIONS)[number];

const offerVisibilitySchema = z.strictObject({
  /** `offers.report`: its offers made and redeemed by day and region, thresholded and noised. */
  actions: z.array(z.enum(OFFER_ACTIONS)).max(OFFER_ACTIONS.length).default([]),
});

/**
 * Foot-traffic surges (QSR): a region's zone-sensor entries in an hour against the same hour's baseline, released
 * by the trigger stage with differential privacy. `minLift` filters released surges (post-processing); the stage
 * itself fires at the host's lift threshold, so a lower `minLift` delivers no more than that.
 */
const footTrafficVisibilitySchema = z.strictObject({
  regions: allOrList,
  minLift: z.number().min(1, 'must be at least 1 (a surge is above its baseline)').max(100).default(2),
});

/**
 * A brand-funded in-store offer: a discount on one product, made by the host's offer engine to a consenting
 * shopper entering a store zone, when the product is in stock in that store and the caps allow.
 */
const offerSchema = z.strictObject({
  /** The offer's id within the contract. */
  offerId: identifier,
  /** The product discounted (the brand's own). */
  sku: z.string().min(1).max(128),
  discountPercent: z.number().positive().max(90),
  /** Only members of one of these segments (each shared by the contract); empty: shoppers who buy the category. */
  segments: z.array(identifier).max(20).default([]),
  /** Only on entering one of these zones; empty: any zone. */
  zones: z.array(z.string().min(1).max(64)).max(50).default([]),
  /** A purchase of the product within this many hours of the offer redeems it. */
  validHours: z.number().int().positive().max(720).default(24),
  caps: z
    .strictObject({
      /** Times one shopper may get this offer in one day (UTC). */
      perShopperPerDay: z.number().int().positive().max(10).default(1),
      /** Times the offer may be made in one day (UTC), over every shopper and store. */
      perDay: z.number().int().positive().max(10_000_000).default(1_000),
    })
    .default({ perShopperPerDay: 1, perDay: 1_000 }),
});

/** A contract's offer, as validated. */
export type ContractOffer = z.output<typeof offerSchema>;

const visibilitySchema = z.strictObject({
  /** Segment ids whose sizes and signals the partner may see. */
  segments: z.array(identifier).default([]),
  /** `own` (campaigns whose brand is this partner), `none`, or `{ own, ids }` with extra campaign ids. */
  campaigns: campaignVisibilitySchema.default({ own: false, ids: [] }),
  /** Trigger categories and regions (QSR). */
  triggers: z
    .strictObject({ categories: allOrList.default([]), regions: allOrList.default([]) })
    .default({ categories: [], regions: [] }),
  /** The retailer's stock data (BRAND): confidential, not personal; see the partner guide. */
  inventory: inventoryVisibilitySchema.default({ actions: [], substitution: false }),
  /**
   * Bid multipliers of its own campaigns (BRAND). Optional without a default, so that contracts written before it
   * keep their content hash.
   */
  bidding: biddingVisibilitySchema.optional(),
  /** Reports of the brand's in-store offers (BRAND). */
  offers: offerVisibilitySchema.default({ actions: [] }),
  /**
   * Foot-traffic surges as a trigger input (QSR): the regions it may see and the lift at or above which a surge is
   * delivered. Optional without a default, so that contracts written before it keep their content hash.
   */
  footTraffic: footTrafficVisibilitySchema.optional(),
});

/**
 * A partner contract file (YAML or JSON). Unknown keys are refused, so a misspelt field is an error
 * and not a silently ignored rule.
 */
export const partnerContractSchema = z
  .strictObject({
    partnerId: identifier,
    kind: z.enum(PARTNER_KINDS),
    name: z.string().min(1).max(200).optional(),
    purposes: z.array(z.enum(PURPOSES)).min(1),
    visibility: visibilitySchema.default({
      segments: [],
      campaigns: { own: false, ids: [] },
      triggers: { categories: [], regions: [] },
      inventory: { actions: [], substitution: false },
      offers: { actions: [] },
    }),
    /** In-store offers the brand funds (BRAND); the host's offer engine makes them. */
    offers: z.array(offerSchema).max(50).default([]),
    /** Distinct-subject threshold; may only raise the host's floor. Absent: the floor. */
    kThreshold: positiveInt.optional(),
    dp: z.strictObject({ epsilonPerQuery: epsilon.optional(), budget: budgetSchema.optional() }).default({}),
    /** Partner-scoped pseudonyms in audience signals: activation only, consented shoppers only. */
    pseudonymousSignals: z.boolean().default(false),
    geoGranularity: z.enum(GEO_GRANULARITIES).default('region'),
    rateLimit: z
      .strictObject({
        requestsPerMinute: positiveInt.max(100_000),
        maxSubscriptions: positiveInt.max(10_000),
      })
      .default({ requestsPerMinute: 600, maxSubscriptions: 10 }),
    /** Result fields this partner never receives, on top of the host's. */
    dropFields: z.array(droppableField).default([]),
    /** Privacy settings that may only tighten the host's (see `hostConfigSchema.privacy`). */
    privacy: contractPrivacySchema.default({ uploads: {} }),
    /** The partner's own identity provider; absent, its tokens come from the host's. */
    identityProvider: identityProviderSchema.optional(),
    /** Optional validity period (ISO-8601 with zone); outside it every request is denied. */
    validFrom: z.iso.datetime({ offset: true }).optional(),
    validUntil: z.iso.datetime({ offset: true }).optional(),
  })
  .superRefine((contract, context) => {
    if (contract.pseudonymousSignals && !contract.purposes.includes('activation')) {
      context.addIssue({
        code: 'custom',
        path: ['pseudonymousSignals'],
        message: 'pseudonymous signals are allowed only with the activation purpose',
      });
    }
    if (contract.purposes.includes('trigger') && contract.kind !== 'QSR') {
      context.addIssue({
        code: 'custom',
        path: ['purposes'],
        message: 'the trigger purpose is for QSR partners',
      });
    }
    if (
      contract.kind === 'QSR' &&
      (contract.pseudonymousSignals || contract.visibility.segments.length > 0)
    ) {
      context.addIssue({
        code: 'custom',
        path: ['visibility', 'segments'],
        message: 'a QSR partner receives triggers, not segments or signals',
      });
    }
    const { inventory } = contract.visibility;
    if (contract.kind === 'QSR' && (inventory.actions.length > 0 || inventory.substitution)) {
      context.addIssue({
        code: 'custom',
        path: ['visibility', 'inventory', 'actions'],
        message: 'stock status and campaign pauses are for BRAND partners',
      });
    }
    if (inventory.substitution && !inventory.actions.includes('campaign.pauses')) {
      context.addIssue({
        code: 'custom',
        path: ['visibility', 'inventory', 'substitution'],
        message: 'substitution needs the campaign.pauses action (a brand sees the substitutes it allows)',
      });
    }
    if (new Set(inventory.actions).size !== inventory.actions.length) {
      context.addIssue({
        code: 'custom',
        path: ['visibility', 'inventory', 'actions'],
        message: 'names an action twice',
      });
    }
    const { footTraffic, triggers } = contract.visibility;
    if (footTraffic !== undefined && contract.kind !== 'QSR') {
      context.addIssue({
        code: 'custom',
        path: ['visibility', 'footTraffic'],
        message: 'foot-traffic triggers are for QSR partners',
      });
    }
    if (footTraffic !== undefined && !contract.purposes.includes('trigger')) {
      context.addIssue({
        code: 'custom',
        path: ['visibility', 'footTraffic'],
        message: 'foot-traffic triggers need the trigger purpose',
      });
    }
    if (triggers.categories !== 'all' && triggers.categories.includes(FOOT_TRAFFIC_CATEGORY)) {
      context.addIssue({
        code: 'custom',
        path: ['visibility', 'triggers', 'categories'],
        message: `"${FOOT_TRAFFIC_CATEGORY}" is not a product category: name foot-traffic surges in visibility.footTraffic`,
      });
    }
    const { bidding } = contract.visibility;
    if (bidding !== undefined && contract.kind !== 'BRAND') {
      context.addIssue({
        code: 'custom',
        path: ['visibility', 'bidding', 'actions'],
        message: 'bid multipliers are for BRAND partners',
      });
    }
    if (bidding !== undefined && new Set(bidding.actions).size !== bidding.actions.length) {
      context.addIssue({
        code: 'custom',
        path: ['visibility', 'bidding', 'actions'],
        message: 'names an action twice',
      });
    }
    if (
      contract.kind === 'QSR' &&
      (contract.offers.length > 0 || contract.visibility.offers.actions.length > 0)
    ) {
      context.addIssue({
        code: 'custom',
        path: ['offers'],
        message: 'in-store offers are for BRAND partners',
      });
    }
    const offerIds = new Set<string>();
    contract.offers.forEach((offer, index) => {
      if (offerIds.has(offer.offerId))
        context.addIssue({
          code: 'custom',
          path: ['offers', index, 'offerId'],
          message: 'duplicate offerId',
        });
      offerIds.add(offer.offerId);
      offer.segments.forEach((segmentId, segmentIndex) => {
        if (!contract.visibility.segments.includes(segmentId))
          context.addIssue({
            code: 'custom',
            path: ['offers', index, 'segments', segmentIndex],
            message: 'an offer targets only segments the contract shares (visibility.segments)',
          });
      });
    });
    const { epsilonPerQuery, budget } = contract.dp;
    if (epsilonPerQuery !== undefined && budget !== undefined && budget.epsilon < epsilonPerQuery) {
      context.addIssue({
        code: 'custom',
        path: ['dp', 'budget', 'epsilon'],
        message: 'the budget must cover at least one query (>= dp.epsilonPerQuery)',
      });
    }
    if (
      contract.validFrom &&
      contract.validUntil &&
      Date.parse(contract.validUntil) <= Date.parse(contract.validFrom)
    ) {
      context.addIssue({ code: 'custom', path: ['validUntil'], message: 'must be after validFrom' });
    }
  });

/** A validated partner contract, defaults filled in. */
export type PartnerContract = z.output<typeof partnerContractSchema>;
/** A partner contract as written in a file or sent to `upsertContract`. */
export type PartnerContractInput = z.input<typeof partnerContractSchema>;

const consentDefaultSchema = z.strictObject({
  measurement: z.boolean().default(false),
  personalization: z.boolean().default(false),
  partnerSharing: z.boolean().default(false),
});

/** The host configuration file (`kind: HOST`): host-wide rules and the host's own principals. */
export const hostConfigSchema = z
  .strictObject({
    kind: z.literal('HOST'),
    name: z.string().min(1).max(200).optional(),
    /** Minimum distinct subjects per output row; contracts may only raise it. */
    thresholdFloor: positiveInt.default(50),
    dp: z
      .strictObject({
        /** The most epsilon any single aggregate may spend; a contract may only lower it. */
        maxEpsilonPerQuery: epsilon.default(1),
        /** Used when a contract does not set `dp.epsilonPerQuery`. */
        defaultEpsilonPerQuery: epsilon.default(0.5),
        /** Used when a contract does not set `dp.budget`; caps a contract's budget of the same window. */
        defaultBudget: budgetSchema.default({ epsilon: 10, window: 'day' }),
      })
      .default({
        maxEpsilonPerQuery: 1,
        defaultEpsilonPerQuery: 0.5,
        defaultBudget: { epsilon: 10, window: 'day' },
      }),
    /** Finest geography any partner may see. */
    geoGranularity: z.enum(GEO_GRANULARITIES).default('region'),
    /** Result fields no partner ever receives. */
    dropFields: z.array(droppableField).default([]),
    /** The country every region belongs to: what a region becomes for a contract whose geography is `country`. */
    country: z.string().min(1).max(100).default('US'),
    /** Consent assumed for a shopper the loyalty feed has not yet described. */
    consentDefault: consentDefaultSchema.default({
      measurement: false,
      personalization: false,
      partnerSharing: false,
    }),
    /** The host's own principals: who may act as privacy officer and host admin. */
    principals: z.array(z.strictObject({ id: identifier, role: z.enum(HOST_ROLES) })).default([]),
    /** Differential privacy mechanisms beyond thresholds and budgets. */
    privacy: hostPrivacySchema.default(hostPrivacySchema.parse({})),
  })
  .superRefine((host, context) => {
    if (host.dp.defaultEpsilonPerQuery > host.dp.maxEpsilonPerQuery) {
      context.addIssue({
        code: 'custom',
        path: ['dp', 'defaultEpsilonPerQuery'],
        message: 'must not exceed dp.maxEpsilonPerQuery',
      });
    }
    const seen = new Set<string>();
    host.principals.forEach((principal, index) => {
      if (seen.has(principal.id)) {
        context.addIssue({
          code: 'custom',
          path: ['principals', index, 'id'],
          message: 'duplicate principal id',
        });
      }
      seen.add(principal.id);
    });
  });

/** The validated host configuration (host rules), defaults filled in. */
export type HostConfig = z.output<typeof hostConfigSchema>;
export type HostConfigInput = z.input<typeof hostConfigSchema>;

/** The host rules that apply when no host file is present: floor 50, no host principals. */
export const DEFAULT_HOST_CONFIG: HostConfig = hostConfigSchema.parse({ kind: 'HOST' });
