/**
 * graphql-ws on the same `/graphql` path, executing through yoga's envelop (the yoga "graphql-ws" recipe), so
 * the auth, armor, rate-limit and metrics plugins apply to WebSocket operations exactly as to HTTP ones.
 */
import type { Server } from 'node:http';
import type { ExecutionArgs, GraphQLError } from 'graphql';
import { createGraphQLError } from 'graphql-yoga';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import type { YogaServerInstance } from 'graphql-yoga';
import { authenticateCredential, refuse } from './auth/use-jose-auth.ts';
import type { JoseAuthOptions } from './auth/use-jose-auth.ts';

/**
 * Close code of a connection whose token was refused: graphql-ws's own `CloseCode.Unauthorized`, which its client
 * treats as fatal (no reconnect loop). The close reason is the refusal reason (`TOKEN_EXPIRED`, ...), well under
 * the 123 bytes a close frame allows.
 */
export const WS_CLOSE_UNAUTHORIZED = 4401;

/** setTimeout's largest delay; longer waits are taken in steps. */
const MAX_TIMER_MS = 2_147_483_647;

function closeAtExpiry(socket: WebSocket, validUntilMs: number): void {
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    const left = validUntilMs - Date.now();
    if (left <= 0) {
      socket.close(WS_CLOSE_UNAUTHORIZED, 'TOKEN_EXPIRED');
      return;
    }
    timer = setTimeout(arm, Math.min(left, MAX_TIMER_MS));
    timer.unref();
  };
  arm();
  socket.once('close', () => clearTimeout(timer));
}

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
        const params = ctx.connectionParams ?? {};
        const outcome = await authenticateCredential(
          params['authorization'] ?? params['Authorization'],
          auth,
        );
        if (!('rejected' in outcome)) {
          // A live connection ends when its token expires, as a new request with that token would be refused.
          if (outcome.principal !== null) closeAtExpiry(ctx.extra.socket, outcome.validUntilMs);
          return true;
        }
        await refuse(outcome, ctx.extra.request.socket.remoteAddress, auth);
        // Closed here with 4401 and the reason; graphql-ws's own close (4403) that follows `false` is then a no-op.
        ctx.extra.socket.close(WS_CLOSE_UNAUTHORIZED, outcome.rejected);
        return false;
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
