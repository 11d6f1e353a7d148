/**
 * Brand resolvers: segments its contract shares, noised segment sizes, its own campaigns and their
 * reports, audience uploads and overlaps. HOST_ADMIN reaches the same fields with exact answers. Every answer
 * that holds shopper data is described as unreleased and released by gateway/release (charge, noise, noised
 * threshold, field obligations); these resolvers never see a value they could release by themselves.
 */
import type { AttributionModel } from '../../schema/index.ts';
import type { GatewayContext } from '../context.ts';
import { GatewayError } from '../errors.ts';
import { governed } from '../governance.ts';
import { budgetWindowBounds } from '../../policies/index.ts';
import { isIdentifierHash } from '../read-models/audience-uploads.ts';
import type { ContractView, DecisionResource, Principal } from '../ports.ts';
import { chargeBudget, costOf } from '../release/release-step.ts';
import type { CountRelease } from '../release/release-step.ts';
import { campaignReportTable, shapeCampaignReport } from './campaign-report.ts';

/** The GraphQL enum value of each attribution model. */
export const MODEL_BY_ENUM: Record<string, AttributionModel> = {
  LAST_TOUCH: 'last_touch',
  FIRST_TOUCH: 'first_touch',
  LINEAR: 'linear',
  TIME_DECAY: 'time_decay',
  POSITION_BASED: 'position_based',
};

const MAX_UPLOAD = 100_000;

/** Whether a partner owns a campaign (its contract lists it, or the campaign names the partner's brand). */
export function ownsCampaign(
  principal: Principal,
  contract: ContractView | undefined,
  campaignId: string,
  brand: string | undefined,
): boolean {
  if (principal.role === 'HOST_ADMIN') return true;
  if (contract === undefined) return false;
  return contract.campaigns.includes(campaignId) || (contract.ownCampaigns && brand === principal.id);
}

/** A campaign as the resource of a decision: owned by its brand once the read models know the campaign. */
export function campaignResource(
  campaignId: string,
  campaign: { brand: string } | undefined,
): DecisionResource {
  return { kind: 'campaign', id: campaignId, ...(campaign ? { ownerId: campaign.brand } : {}) };
}

function describe(context: GatewayContext, segmentId: string) {
  const known = context.services.catalog?.describe(segmentId);
  return { id: segmentId, name: known?.name ?? segmentId, description: known?.description ?? null };
}

/** Brand queries and mutations. */
export const brandResolvers = {
  Query: {
    segments: (_root: unknown, args: unknown, context: GatewayContext) =>
      governed(context, 'segments.list', { kind: 'segments' }, args, ({ principal, contract }) => {
        const known = new Set(context.services.readModels.segmentIds());
        const ids =
          principal.role === 'HOST_ADMIN'
            ? [...known]
            : (contract?.segments ?? []).filter(
                (id) => known.has(id) || context.services.catalog?.describe(id),
              );
        return { value: ids.sort().map((id) => describe(context, id)), rows: ids.length };
      }),
    segmentSize: (_root: unknown, args: { segmentId: string }, context: GatewayContext) =>
      governed(
        context,
        'segment.size',
        { kind: 'segment', id: args.segmentId },
        args,
        (): CountRelease<unknown> => ({
          kind: 'count',
          what: `segment ${args.segmentId}`,
          read: () => context.services.readModels.segmentSize(args.segmentId),
          shape: (count) => count,
        }),
      ),
    campaigns: (_root: unknown, args: unknown, context: GatewayContext) =>
      governed(context, 'campaigns.list', { kind: 'campaigns' }, args, ({ principal, contract }) => {
        const own = context.services.readModels
          .campaigns()
          .filter((campaign) => ownsCampaign(principal, contract, campaign.campaignId, campaign.brand));
        return {
          value: own.map((c) => ({
            id: c.campaignId,
            brand: c.brand,
            name: c.name,
            startsAt: c.startsAt,
            endsAt: c.endsAt ?? null,
          })),
          rows: own.length,
        };
      }),
    campaignReport: (
      _root: unknown,
      args: { campaignId: string; model?: string; from?: string; to?: string; groupBy?: string[] },
      context: GatewayContext,
    ) => {
      const campaign = context.services.readModels.campaign(args.campaignId);
      const resource = campaignResource(args.campaignId, campaign);
      return governed(context, 'campaign.report', resource, args, ({ principal, contract }) => {
        if (!ownsCampaign(principal, contract, args.campaignId, campaign?.brand)) {
          throw new GatewayError('FORBIDDEN', 'not your campaign', { partnerId: principal.id });
        }
        if (campaign === undefined && principal.role === 'HOST_ADMIN') {
          throw new GatewayError('NOT_FOUND', `no campaign ${args.campaignId}`);
        }
        const request = {
          campaignId: args.campaignId,
          modelEnum: args.model ?? 'LAST_TOUCH',
          model: MODEL_BY_ENUM[args.model ?? 'LAST_TOUCH'] ?? 'last_touch',
          from: args.from,
          to: args.to,
          groupBy: args.groupBy ?? ['DAY', 'CHANNEL'],
        };
        return campaignReportTable(context.services, request, (table) => shapeCampaignReport(request, table));
      });
    },
    audienceOverlap: (_root: unknown, args: { uploadId: string }, context: GatewayContext) => {
      const upload = context.services.uploads.get(args.uploadId);
      const resource = {
        kind: 'audience-upload',
        id: args.uploadId,
        ...(upload ? { ownerId: upload.partnerId } : {}),
      };
      return governed(
        context,
        'audience.overlap',
        resource,
        args,
        async ({ decision, principal, contract }) => {
          if (upload === undefined || upload.partnerId !== principal.id) {
            throw new GatewayError('NOT_FOUND', `no upload ${args.uploadId}`);
          }
          const overlap: CountRelease<unknown> = {
            kind: 'count',
            what: 'audience overlap',
            read: () => {
              let count = 0;
              for (const subjectId of context.services.uploads.subjectsOf(upload.id))
                if (context.services.readModels.measurable(subjectId)) count += 1;
              return count;
            },
            shape: (count) => ({ uploadId: upload.id, overlap: count }),
          };
          // A differencing probe: its list is within k of an earlier queried one. Refused, but charged like an
          // answer (and audited naming both uploads), so the refusal costs what the answer would have.
          const now = context.services.now();
          const window = budgetWindowBounds(contract?.budgetWindow ?? 'day', now).start.toISOString();
          const probe = context.services.uploads.differencing(
            upload,
            decision.obligations.thresholdK,
            window,
          );
          context.services.uploads.markQueried(upload.id, now.toISOString(), window);
          if (probe !== null && !decision.obligations.exact) {
            const epsilon = costOf(overlap, decision);
            await chargeBudget({ services: context.services, principal, decision, contract }, epsilon);
            throw new GatewayError(
              'DIFFERENCE_CHECK',
              `upload ${upload.id} differs from upload ${probe.uploadId} by ${probe.difference} submitted hashes, fewer than k = ${decision.obligations.thresholdK}`,
              { reason: 'DIFFERENCE_CHECK', epsilonSpent: epsilon, field: 'uploadId' },
            );
          }
          return overlap;
        },
      );
    },
  },
  Mutation: {
    uploadAudience: (
      _root: unknown,
      args: { name: string; hashedEmails: string[] },
      context: GatewayContext,
    ) =>
      governed(context, 'audience.upload', { kind: 'audience-upload' }, args, ({ principal, contract }) => {
        if (args.hashedEmails.length > MAX_UPLOAD) {
          throw new GatewayError('BAD_USER_INPUT', `at most ${MAX_UPLOAD} hashes per upload`, {
            field: 'hashedEmails',
          });
        }
        const bad = args.hashedEmails.findIndex((hash) => !isIdentifierHash(hash));
        if (bad >= 0) {
          throw new GatewayError('BAD_USER_INPUT', `hashedEmails[${bad}] is not a Base64 SHA-256 hash`, {
            field: `hashedEmails.${bad}`,
          });
        }
        const { services } = context;
        const now = services.now();
        // Limits on what the partner submits: they depend on its own input only, never on the data.
        if (contract !== undefined) {
          // Distinct hashes: a list padded with copies of one hash is still a list of one.
          if (new Set(args.hashedEmails).size < contract.uploads.minimumSize) {
            throw new GatewayError(
              'BAD_USER_INPUT',
              `an upload holds at least ${contract.uploads.minimumSize} distinct hashes`,
              { field: 'hashedEmails', reason: 'UPLOAD_TOO_SMALL' },
            );
          }
        }
        const windowStart = budgetWindowBounds(contract?.budgetWindow ?? 'day', now).start.toISOString();
        if (
          contract !== undefined &&
          services.uploads.countInWindow(principal.id, windowStart) >= contract.uploads.maxPerWindow
        ) {
          throw new GatewayError(
            'RATE_LIMITED',
            `at most ${contract.uploads.maxPerWindow} uploads per ${contract.budgetWindow}`,
            { reason: 'UPLOAD_CAP' },
          );
        }
        const upload = services.uploads.add(
          principal.id,
          args.name,
          args.hashedEmails,
          now.toISOString(),
          windowStart,
        );
        return {
          value: {
            id: upload.id,
            name: upload.name,
            submitted: upload.submitted,
            createdAt: upload.createdAt,
          },
        };
      }),
  },
};
