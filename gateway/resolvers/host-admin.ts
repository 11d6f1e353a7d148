/**
 * Host-operator resolvers: contracts and partner keys. (Exact reports are the brand fields answered under a
 * HOST_ADMIN decision, whose obligations say `exact`.)
 */
import type { GatewayContext } from '../context.ts';
import { GatewayError } from '../errors.ts';
import { governed } from '../governance.ts';
import { toContract } from './privacy-officer.ts';

/** Host-admin mutations. */
export const hostAdminResolvers = {
  Mutation: {
    upsertContract: (_root: unknown, args: { input: { document: string } }, context: GatewayContext) =>
      governed(context, 'contracts.upsert', { kind: 'contract' }, args, async () => {
        try {
          const contract = await context.services.contracts.upsert(args.input.document);
          return { value: toContract(contract) };
        } catch (error) {
          if (error instanceof GatewayError) throw error;
          throw new GatewayError(
            'BAD_USER_INPUT',
            `invalid contract: ${error instanceof Error ? error.message : 'unreadable'}`,
            { field: 'input.document' },
            error,
          );
        }
      }),
    rotatePartnerKey: (_root: unknown, args: { partnerId: string }, context: GatewayContext) =>
      governed(context, 'keys.rotate', { kind: 'partner-key', id: args.partnerId }, args, async () => {
        if (context.services.contracts.get(args.partnerId) === undefined) {
          throw new GatewayError('NOT_FOUND', `no partner ${args.partnerId}`);
        }
        const rotation = await context.services.pseudonyms.rotatePartnerKey(args.partnerId);
        return { value: { partnerId: args.partnerId, ...rotation } };
      }),
  },
};
