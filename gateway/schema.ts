/**
 * The executable schema: the SDL files of `schema/graphql/` with one resolver module per actor.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeExecutableSchema } from '@graphql-tools/schema';
import type { GraphQLResolveInfo, GraphQLSchema } from 'graphql';
import { biddingResolvers } from './resolvers/bidding.ts';
import { brandResolvers } from './resolvers/brand.ts';
import { hostAdminResolvers } from './resolvers/host-admin.ts';
import { refuseOverlongIds } from './resolvers/id-limits.ts';
import { inventoryResolvers } from './resolvers/inventory.ts';
import { offerResolvers } from './resolvers/offers.ts';
import { privacyOfficerResolvers } from './resolvers/privacy-officer.ts';
import { qsrResolvers } from './resolvers/qsr.ts';
import { sharedResolvers } from './resolvers/shared.ts';
import { subscriptionResolvers } from './resolvers/subscriptions.ts';

/** Where the SDL lives. */
export const SDL_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'schema', 'graphql');

/** The SDL documents, in a stable order. */
export function loadTypeDefs(dir: string = SDL_DIR): string[] {
  return fs
    .readdirSync(dir)
    .filter((name) => name.endsWith('.graphql'))
    .sort()
    .map((name) => fs.readFileSync(path.join(dir, name), 'utf8'));
}

type ResolverMap = Record<string, unknown>;

/**
 * GraphQL hands an explicit `null` for an optional argument (`after: null` from a client's variables); our
 * resolvers treat absent and null alike, so nulls are dropped from arguments and input objects once, here.
 */
export function withoutNulls<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const cleaned: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value as Record<string, unknown>)) {
    if (field !== null) cleaned[key] = withoutNulls(field);
  }
  return cleaned as T;
}

type FieldResolver = (root: unknown, args: unknown, context: unknown, info: GraphQLResolveInfo) => unknown;

/** The arguments a root resolver is given: over-long ids refused (BAD_USER_INPUT), nulls dropped. */
function atTheEdge(args: unknown, info: GraphQLResolveInfo): unknown {
  const definitions = info.parentType.getFields()[info.fieldName]?.args ?? [];
  refuseOverlongIds(definitions, args as Record<string, unknown>);
  return withoutNulls(args);
}

/** Every root resolver and subscribe sees its arguments through `atTheEdge`, before deciding anything. */
function guardArguments(resolvers: ResolverMap): ResolverMap {
  const wrapped: ResolverMap = {};
  for (const [typeName, fields] of Object.entries(resolvers)) {
    if (
      typeof fields !== 'object' ||
      fields === null ||
      !['Query', 'Mutation', 'Subscription'].includes(typeName)
    ) {
      wrapped[typeName] = fields;
      continue;
    }
    const type: Record<string, unknown> = {};
    for (const [fieldName, field] of Object.entries(fields as Record<string, unknown>)) {
      if (typeof field === 'function') {
        const resolve = field as FieldResolver;
        type[fieldName] = (root: unknown, args: unknown, context: unknown, info: GraphQLResolveInfo) =>
          resolve(root, atTheEdge(args, info), context, info);
      } else if (typeof field === 'object' && field !== null && 'subscribe' in field) {
        const subscription = field as { subscribe: FieldResolver; resolve?: FieldResolver };
        type[fieldName] = {
          ...subscription,
          subscribe: (root: unknown, args: unknown, context: unknown, info: GraphQLResolveInfo) =>
            subscription.subscribe(root, atTheEdge(args, info), context, info),
        };
      } else {
        type[fieldName] = field;
      }
    }
    wrapped[typeName] = type;
  }
  return wrapped;
}

function mergeResolvers(modules: ResolverMap[]): ResolverMap {
  const merged: ResolverMap = {};
  for (const module of modules) {
    for (const [typeName, fields] of Object.entries(module)) {
      const existing = merged[typeName];
      // Root types appear in several modules and are merged; scalars appear once.
      merged[typeName] = existing === undefined ? fields : { ...(existing as object), ...(fields as object) };
    }
  }
  return merged;
}

/** Build the executable schema. */
export function createGatewaySchema(): GraphQLSchema {
  return makeExecutableSchema({
    typeDefs: loadTypeDefs(),
    resolvers: guardArguments(
      mergeResolvers([
        sharedResolvers,
        brandResolvers,
        inventoryResolvers,
        offerResolvers,
        qsrResolvers,
        privacyOfficerResolvers,
        hostAdminResolvers,
        subscriptionResolvers,
        biddingResolvers,
      ]),
    ) as Parameters<typeof makeExecutableSchema>[0]['resolvers'],
  });
}
