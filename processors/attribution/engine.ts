/**
 * The attribution engine of one input partition: exposures and purchases of the subjects keyed to it, the
 * IVT verdicts of their ad events (in any order relative to the events), and the campaigns (shared).
 * Deterministic and event-time only. Outputs credits as they change; `flush` gives restated aggregates.
 */
import type {
  AdCleanEvent,
  AttributionAggregate,
  AttributionCredit,
  CleanEvent,
  ConsentChange,
  IvtVerdict,
  PurchaseEvent,
} from '../../schema/index.ts';
import { countSubject, flushAggregates, flushRows } from './aggregates.ts';
import type { AggregateRow, AggregateStore } from './aggregates.ts';
import type { CampaignDirectory } from './campaign-directory.ts';
import { DEFAULT_ATTRIBUTION_CONFIG, utcDay } from './config.ts';
import type { AttributionConfig } from './config.ts';
import { isHeldOut } from './holdout.ts';
import { applyReturn } from './returns.ts';
import { withdrawSubject } from './withdraw.ts';
import { recomputeConversion } from './recompute.ts';
import type { RecomputeContext } from './recompute.ts';
import { createSubjectState } from './state.ts';
import type { ConversionRecord, ExposureRecord, SubjectState } from './state.ts';
import { isEmptySubject, pruneSubject } from './prune.ts';
import { ledgerExposure, rebalanceCampaign } from './bounded.ts';
import { createMemoryAttributionState } from './memory-state.ts';
import type { AttributionStateAccess } from './memory-state.ts';

/** Options of {@link createAttributionEngine}. */
export interface AttributionEngineOptions {
  campaigns: CampaignDirectory;
  config?: Partial<AttributionConfig>;
  /** Where state lives; default in memory. */
  state?: AttributionStateAccess;
}

/** An attribution engine. Each `observe*` returns the credit records it published (new, changed, retracted). */
export interface AttributionEngine {
  observeEvent(event: CleanEvent): AttributionCredit[];
  observeVerdict(verdict: IvtVerdict): AttributionCredit[];
  /** Consent withdrawn from measurement, or erasure: the subject's credits are retracted and its state purged. */
  observeConsent(change: ConsentChange): AttributionCredit[];
  /** Re-evaluates every remembered conversion of a campaign (after its definition changed). */
  recomputeCampaign(campaignId: string): AttributionCredit[];
  /** Restated aggregates of every row changed since the last flush. */
  flush(): AttributionAggregate[];
  /** The changed rows themselves (partials of this engine's subjects), for a merge stage. */
  flushRows(): AggregateRow[];
  /** Forgets what is older than the retention, measured against `watermark`. */
  prune(watermark: number): void;
}

/**
 * Creates an engine.
 *
 * @example
 * const engine = createAttributionEngine({ campaigns: createCampaignDirectory([campaign]) });
 * engine.observeEvent(click); const credits = engine.observeEvent(purchase); const rows = engine.flush();
 */
export function createAttributionEngine(options: AttributionEngineOptions): AttributionEngine {
  const config = { ...DEFAULT_ATTRIBUTION_CONFIG, ...options.config };
  const { campaigns } = options;
  const state = options.state ?? createMemoryAttributionState();
  const bounds = config.contributionBounds;
  const boundsKey = JSON.stringify(bounds);
  const aggregates: AggregateStore = { rows: state.rows, dirty: new Set(), bounds };

  const context = (): RecomputeContext => ({
    campaigns,
    aggregates,
    halfLifeMs: config.halfLifeMs,
    out: [],
    touched: new Set(),
  });

  /**
   * Runs `change` on a subject's state, restates its bounded contributions to the campaigns the change touched
   * (all of them if the bounds changed since they were published), and stores it back (or forgets an empty one).
   */
  function withSubject(
    subjectId: string,
    change: (subject: SubjectState, ctx: RecomputeContext) => void,
    ctx: RecomputeContext = context(),
    at?: number,
  ): void {
    const subject = state.getSubject(subjectId) ?? createSubjectState();
    change(subject, ctx);
    const ledger = (subject.ledger ??= {});
    if (subject.ledgerBounds !== boundsKey) {
      for (const campaignId of Object.keys(ledger)) ctx.touched.add(campaignId);
      subject.ledgerBounds = boundsKey;
    }
    for (const campaignId of [...ctx.touched].sort())
      rebalanceCampaign(aggregates, ledger, campaignId, bounds);
    ctx.touched.clear();
    // A subject's own newest event bounds what its later events can still need (no wall clock involved).
    if (at !== undefined) pruneSubject(subject, at - config.allowedLatenessMs, config);
    if (isEmptySubject(subject)) state.deleteSubject(subjectId);
    else state.putSubject(subjectId, subject);
  }

  /** Re-evaluates the subject's conversions that an exposure of `campaignId` at `at` may touch. */
  function recomputeAfter(
    ctx: RecomputeContext,
    subjectId: string,
    subject: SubjectState,
    campaignId: string,
    at: number,
  ) {
    for (const conversion of subject.conversions) {
      if (conversion.at >= at) recomputeConversion(ctx, subjectId, subject, conversion, campaignId);
    }
  }

  /** Moves an exposure in or out of the exposure aggregates to match its validity. */
  function syncExposureCount(
    ctx: RecomputeContext,
    subjectId: string,
    subject: SubjectState,
    exposure: ExposureRecord,
  ): void {
    const shouldCount = subject.verdicts[exposure.eventId]?.valid !== false;
    if (shouldCount === exposure.counted) return;
    if (!exposure.counted) {
      const campaign = campaigns.get(exposure.campaignId);
      exposure.countedAsGhost =
        campaign !== undefined && isHeldOut(subjectId, exposure.campaignId, campaign.holdoutPercent);
    }
    const delta = shouldCount ? 1 : -1;
    const counter = exposure.countedAsGhost ? 'ghostSubjects' : 'exposedSubjects';
    const spend = exposure.countedAsGhost ? 0 : delta * exposure.cost;
    countSubject(aggregates, subject.rowRefs, exposure, counter, delta, spend);
    if (!exposure.countedAsGhost) {
      ledgerExposure((subject.ledger ??= {}), exposure, delta);
      ctx.touched.add(exposure.campaignId);
    }
    exposure.counted = shouldCount;
  }

  function observeExposure(
    ctx: RecomputeContext,
    subjectId: string,
    subject: SubjectState,
    event: AdCleanEvent,
  ): void {
    if (subject.exposures.some((exposure) => exposure.eventId === event.eventId)) return;
    const at = Date.parse(event.occurredAt);
    const exposure: ExposureRecord = {
      eventId: event.eventId,
      campaignId: event.campaignId,
      type: event.type,
      at,
      day: utcDay(at),
      channel: event.placement === 'in_store_screen' ? 'store' : 'online',
      cost: event.cost ?? 0,
      counted: false,
      countedAsGhost: false,
    };
    let index = subject.exposures.length;
    while (index > 0 && (subject.exposures[index - 1] as ExposureRecord).at > at) index -= 1;
    subject.exposures.splice(index, 0, exposure);
    syncExposureCount(ctx, subjectId, subject, exposure);
    recomputeAfter(ctx, subjectId, subject, event.campaignId, at);
  }

  function observePurchase(
    ctx: RecomputeContext,
    subjectId: string,
    subject: SubjectState,
    event: PurchaseEvent,
  ): void {
    const at = Date.parse(event.occurredAt);
    if (subject.conversions.some((c) => c.eventId === event.eventId) || subject.appliedReturns[event.eventId])
      return;
    const campaignIds = new Set(subject.exposures.map((exposure) => exposure.campaignId));
    const returned = event.items.filter((item) => item.quantity < 0);
    if (returned.length > 0) {
      subject.appliedReturns[event.eventId] = true;
      for (const conversion of applyReturn(subject, returned, at)) {
        for (const campaignId of campaignIds)
          recomputeConversion(ctx, subjectId, subject, conversion, campaignId);
      }
    }
    const bought = event.items.filter((item) => item.quantity > 0);
    if (bought.length === 0) return;
    const conversion: ConversionRecord = {
      eventId: event.eventId,
      at,
      day: utcDay(at),
      channel: event.channel,
      lines: bought.map((item) => ({
        sku: item.sku,
        brand: item.brand,
        category: item.category,
        revenue: item.quantity * item.unitPrice,
      })),
    };
    subject.conversions.push(conversion);
    for (const campaignId of campaignIds)
      recomputeConversion(ctx, subjectId, subject, conversion, campaignId);
  }

  return {
    observeEvent(event) {
      const ctx = context();
      const { subjectId } = event;
      if (subjectId === null || !event.consent.measurement) return ctx.out;
      if (event.type === 'impression' || event.type === 'click') {
        withSubject(
          subjectId,
          (subject) => observeExposure(ctx, subjectId, subject, event),
          ctx,
          Date.parse(event.occurredAt),
        );
      } else if (event.type === 'purchase') {
        withSubject(
          subjectId,
          (subject) => observePurchase(ctx, subjectId, subject, event),
          ctx,
          Date.parse(event.occurredAt),
        );
      }
      return ctx.out;
    },
    observeVerdict(verdict) {
      const ctx = context();
      const { subjectId } = verdict;
      if (subjectId === null) return ctx.out;
      withSubject(
        subjectId,
        (subject) => {
          const previous = subject.verdicts[verdict.eventId];
          if (previous !== undefined && previous.revision >= verdict.revision) return;
          subject.verdicts[verdict.eventId] = {
            revision: verdict.revision,
            valid: verdict.valid,
            at: Date.parse(verdict.occurredAt),
          };
          const exposure = subject.exposures.find((e) => e.eventId === verdict.eventId);
          if (exposure === undefined || (previous?.valid ?? true) === verdict.valid) return;
          syncExposureCount(ctx, subjectId, subject, exposure);
          recomputeAfter(ctx, subjectId, subject, exposure.campaignId, exposure.at);
        },
        ctx,
      );
      return ctx.out;
    },
    observeConsent(change) {
      const ctx = context();
      const subject = state.getSubject(change.subjectId);
      if (subject === undefined || (change.consent.measurement && !change.erased)) return ctx.out;
      ctx.out.push(...withdrawSubject(aggregates, subject));
      state.deleteSubject(change.subjectId);
      return ctx.out;
    },
    recomputeCampaign(campaignId) {
      const ctx = context();
      for (const subjectId of state.subjectIds?.() ?? []) {
        withSubject(
          subjectId,
          (subject) => {
            if (!subject.exposures.some((e) => e.campaignId === campaignId)) return;
            for (const conversion of subject.conversions)
              recomputeConversion(ctx, subjectId, subject, conversion, campaignId);
          },
          ctx,
        );
      }
      return ctx.out;
    },
    flush: () =>
      flushAggregates(aggregates, (campaignId) => (campaigns.get(campaignId)?.holdoutPercent ?? 0) > 0),
    flushRows: () => flushRows(aggregates),
    prune(watermark) {
      for (const subjectId of state.subjectIds?.() ?? []) {
        withSubject(subjectId, (subject) =>
          pruneSubject(subject, watermark - config.allowedLatenessMs, config),
        );
      }
    },
  };
}
