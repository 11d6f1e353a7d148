/**
 * graphql-ws on the same `/graphql` path, executing through yoga's envelop (the yoga "graphql-ws" recipe), so
 * the auth, armor, rate-limit and metrics plugins apply to WebSocket operations exactly as to HTTP ones.
 */
import type { Server } from 'node:http';
import type { ExecutionArgs, GraphQLError } from 'graphql';
import { createGraphQLError } from 'graphql-yoga';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { YogaServerInstance } from 'graphql-yoga';
import { authenticate } from './auth/use-jose-auth.ts';
import type { JoseAuthOptions } from './auth/use-jose-auth.ts';

function isGraphQLErrorLike(error: unknown): error is GraphQLError {
  return error instanceof Error && 'extensions' in error && 'locations' in error;
}

/** The running WebSocket side. */
export interface GatewayWebSocket {
  close(): Promise<void>;
}

type EnvelopedRoot = {
  execute: (args: ExecutionArgs) => unknown;
  subscribe: (args: ExecutionArgs) => unknown;
};

/** Attach graphql-ws to `server` at yoga's endpoint. */
export function attachWebSocket(
  server: Server,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  yoga: YogaServerInstance<any, any>,
  auth: JoseAuthOptions,
): GatewayWebSocket {
  const wss = new WebSocketServer({ server, path: yoga.graphqlEndpoint });
  const disposable = useServer(
    {
      execute: (args) => (args.rootValue as EnvelopedRoot).execute(args) as never,
      subscribe: (args) => (args.rootValue as EnvelopedRoot).subscribe(args) as never,
      // Refuse bad credentials at connection time; a missing token stays anonymous (only `health` answers).
      onConnect: async (ctx) => {
        const outcome = await authenticate(ctx.connectionParams?.['authorization'], auth);
        if ('rejected' in outcome) {
          auth.onRejected?.(outcome.rejected);
          return false;
        }
        return true;
      },
      onSubscribe: async (ctx, _id, payload) => {
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params: payload,
          connectionParams: ctx.connectionParams ?? {},
        });
        let document;
        try {
          document = parse(payload.query);
        } catch (error) {
          return [isGraphQLErrorLike(error) ? error : createGraphQLError('syntax error')];
        }
        const errors = validate(schema, document);
        if (errors.length > 0) return errors;
        let contextValue: unknown;
        try {
          contextValue = await contextFactory();
        } catch (error) {
          if (isGraphQLErrorLike(error)) return [error];
          throw error;
        }
        return {
          schema,
          operationName: payload.operationName ?? null,
          document,
          variableValues: payload.variables ?? null,
          contextValue,
          rootValue: { execute, subscribe },
        };
      },
    },
    wss,
  );
  return {
    async close() {
      for (const client of wss.clients) client.terminate();
      await disposable.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
