/**
 * Brand resolvers: segments its contract shares, noised segment sizes, its own campaigns and their
 * reports, audience uploads and overlaps. HOST_ADMIN reaches the same fields with exact answers.
 */
import type { AttributionModel } from '../../schema/index.ts';
import type { GatewayContext } from '../context.ts';
import { GatewayError } from '../errors.ts';
import { governed } from '../governance.ts';
import { isIdentifierHash } from '../read-models/audience-uploads.ts';
import type { ContractView, Principal } from '../ports.ts';
import { epsilonOf, noised, requireThreshold, spendOrRefuse } from './obligations.ts';
import { buildCampaignReport } from './campaign-report.ts';

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
      governed(context, 'segment.size', { kind: 'segment', id: args.segmentId }, args, async (scope) => {
        const { decision, principal, contract } = scope;
        const size = context.services.readModels.segmentSize(args.segmentId);
        requireThreshold(decision, size, `segment ${args.segmentId}`);
        const epsilon = epsilonOf(decision);
        await spendOrRefuse(context.services, principal, contract, epsilon);
        const value = noised(context.services, decision, size);
        return {
          value: { value, epsilonSpent: epsilon, exact: decision.obligations.exact },
          rows: 1,
          epsilonSpent: epsilon,
        };
      }),
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
      const resource = {
        kind: 'campaign',
        id: args.campaignId,
        ...(campaign ? { ownerId: campaign.brand } : {}),
      };
      return governed(
        context,
        'campaign.report',
        resource,
        args,
        async ({ decision, principal, contract }) => {
          if (!ownsCampaign(principal, contract, args.campaignId, campaign?.brand)) {
            throw new GatewayError('FORBIDDEN', 'not your campaign', { partnerId: principal.id });
          }
          if (campaign === undefined && principal.role === 'HOST_ADMIN') {
            throw new GatewayError('NOT_FOUND', `no campaign ${args.campaignId}`);
          }
          const epsilon = epsilonOf(decision);
          await spendOrRefuse(context.services, principal, contract, epsilon);
          const report = buildCampaignReport(context.services, decision, {
            campaignId: args.campaignId,
            modelEnum: args.model ?? 'LAST_TOUCH',
            model: MODEL_BY_ENUM[args.model ?? 'LAST_TOUCH'] ?? 'last_touch',
            from: args.from,
            to: args.to,
            groupBy: args.groupBy ?? ['DAY', 'CHANNEL'],
          });
          return {
            value: { ...report, epsilonSpent: epsilon },
            rows: report.rows.length,
            suppressedRows: report.filteredRows.count,
            epsilonSpent: epsilon,
          };
        },
      );
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
          let overlap = 0;
          for (const subjectId of upload.subjectIds)
            if (context.services.readModels.measurable(subjectId)) overlap += 1;
          requireThreshold(decision, overlap, 'audience overlap');
          const epsilon = epsilonOf(decision);
          await spendOrRefuse(context.services, principal, contract, epsilon);
          return {
            value: {
              uploadId: upload.id,
              overlap: {
                value: noised(context.services, decision, overlap),
                epsilonSpent: epsilon,
                exact: decision.obligations.exact,
              },
            },
            rows: 1,
            epsilonSpent: epsilon,
          };
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
      governed(context, 'audience.upload', { kind: 'audience-upload' }, args, ({ principal }) => {
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
        const upload = context.services.uploads.add(
          principal.id,
          args.name,
          args.hashedEmails,
          context.services.now().toISOString(),
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
