/**
 * Resolvers every actor shares: `health` (no auth), `me`, `privacyBudget`, and the DateTime scalar.
 */
import { GraphQLScalarType, Kind } from 'graphql';
import type { GatewayContext } from '../context.ts';
import { GatewayError } from '../errors.ts';
import { governed } from '../governance.ts';

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

function parseDateTime(value: unknown): string {
  if (typeof value !== 'string' || !ISO.test(value) || Number.isNaN(Date.parse(value))) {
    throw new TypeError('DateTime must be an ISO-8601 date-time with zone');
  }
  return new Date(value).toISOString();
}

/** ISO-8601 with zone, normalized to UTC. */
export const dateTimeScalar = new GraphQLScalarType({
  name: 'DateTime',
  serialize: (value) => (value instanceof Date ? value.toISOString() : String(value)),
  parseValue: parseDateTime,
  parseLiteral: (ast) => (ast.kind === Kind.STRING ? parseDateTime(ast.value) : null),
});

/** Query and scalar resolvers shared by every actor. */
export const sharedResolvers = {
  DateTime: dateTimeScalar,
  Query: {
    health: async (_root: unknown, _args: unknown, context: GatewayContext) => {
      const reachable = await context.services.log.ping().catch(() => false);
      return {
        status: reachable ? 'ok' : 'degraded',
        log: `${context.services.log.kind}:${reachable ? 'up' : 'down'}`,
      };
    },
    me: (_root: unknown, args: unknown, context: GatewayContext) =>
      governed(context, 'me.read', { kind: 'principal' }, args, ({ principal, decision }) => ({
        value: { id: principal.id, role: principal.role, contractVersion: decision.contractVersion },
      })),
    privacyBudget: (_root: unknown, args: { partnerId?: string }, context: GatewayContext) => {
      const partnerId = args.partnerId ?? context.principal?.id;
      const resource = {
        kind: 'budget',
        ...(partnerId !== undefined ? { id: partnerId, ownerId: partnerId } : {}),
      };
      return governed(context, 'budget.read', resource, args, async () => {
        const contract = partnerId === undefined ? undefined : context.services.contracts.get(partnerId);
        if (partnerId === undefined || contract === undefined) {
          throw new GatewayError('NOT_FOUND', 'no contract, so no budget');
        }
        return { value: await context.services.budget.preview(partnerId, contract) };
      });
    },
  },
};
