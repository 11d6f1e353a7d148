/**
 * Real subscription clients for tests: graphql-ws over WebSocket and graphql-sse over Server-Sent Events.
 */
import { createClient as createWsClient } from 'graphql-ws';
import type { Client as WsClient } from 'graphql-ws';
import { createClient as createSseClient } from 'graphql-sse';
import type { Client as SseClient } from 'graphql-sse';
import WebSocket from 'ws';

/** What a running subscription collected. */
export interface Collected<T> {
  items: T[];
  errors: unknown[];
  completed: boolean;
  stop(): void;
}

/** A graphql-ws client for `url` (http://...) with a bearer token in connectionParams. */
export function wsClient(url: string, token?: string): WsClient {
  return createWsClient({
    url: url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    lazy: true,
    retryAttempts: 0,
    connectionParams: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });
}

/** A graphql-sse client (distinct connections mode) with a bearer token. */
export function sseClient(url: string, token?: string): SseClient {
  return createSseClient({
    url,
    retryAttempts: 0,
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });
}

/** Subscribe and collect `data[field]` of every next message. */
export function collect<T>(
  client: WsClient | SseClient,
  query: string,
  field: string,
  variables: Record<string, unknown> = {},
): Collected<T> {
  const collected: Collected<T> = { items: [], errors: [], completed: false, stop: () => {} };
  collected.stop = client.subscribe<Record<string, T>>(
    { query, variables },
    {
      next: (message) => {
        if (message.errors !== undefined) collected.errors.push(...message.errors);
        const value = message.data?.[field];
        if (value !== undefined && value !== null) collected.items.push(value);
      },
      error: (error) => {
        collected.errors.push(error);
      },
      complete: () => {
        collected.completed = true;
      },
    },
  );
  return collected;
}

/** The `extensions.code` values among collected errors (GraphQL error arrays are flattened). */
export function errorCodes(errors: unknown[]): string[] {
  return errors.flatMap((error) => {
    const list = Array.isArray(error) ? error : [error];
    return list.map((item) => String((item as { extensions?: { code?: unknown } }).extensions?.code));
  });
}
