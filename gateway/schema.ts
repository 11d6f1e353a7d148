/**
 * The executable schema: the SDL files of `schema/graphql/` with one resolver module per actor.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeExecutableSchema } from '@graphql-tools/schema';
import type { GraphQLSchema } from 'graphql';
import { brandResolvers } from './resolvers/brand.ts';
import { hostAdminResolvers } from './resolvers/host-admin.ts';
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
    resolvers: mergeResolvers([
      sharedResolvers,
      brandResolvers,
      qsrResolvers,
      privacyOfficerResolvers,
      hostAdminResolvers,
      subscriptionResolvers,
    ]) as Parameters<typeof makeExecutableSchema>[0]['resolvers'],
  });
}
