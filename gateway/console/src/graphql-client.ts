/** A tiny GraphQL client for the console: queries over POST, subscriptions over Server-Sent Events. */

/** A GraphQL error as the gateway returns it. */
export interface GatewayError {
  message: string;
  extensions?: { code?: string };
}

/** Raised when an operation answers with errors. */
export class ConsoleRequestError extends Error {
  readonly code: string;
  constructor(error: GatewayError) {
    super(error.message);
    this.code = error.extensions?.code ?? 'INTERNAL_SERVER_ERROR';
  }
}

/** POST an operation to the gateway with the signed-in token, asking for `accept`. */
function postOperation(
  token: string,
  accept: string,
  operation: { query: string; variables?: Record<string, unknown> },
  signal?: AbortSignal,
): Promise<Response> {
  return fetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept, authorization: `Bearer ${token}` },
    body: JSON.stringify(operation),
    ...(signal === undefined ? {} : { signal }),
  });
}

/** Run a query or mutation with the signed-in token. */
export async function request<T>(
  token: string,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<T> {
  const response = await postOperation(token, 'application/json', { query, variables });
  const body = (await response.json()) as { data?: T; errors?: GatewayError[] };
  const first = body.errors?.[0];
  if (first) throw new ConsoleRequestError(first);
  if (body.data === undefined) throw new ConsoleRequestError({ message: `HTTP ${response.status}` });
  return body.data;
}

/**
 * Subscribe over SSE (yoga's single-connection-per-operation mode). EventSource cannot send an Authorization
 * header, so the stream is read from fetch. Returns a function that ends the subscription.
 */
export function subscribe<T>(
  token: string,
  query: string,
  onData: (data: T) => void,
  onError: (error: Error) => void,
): () => void {
  const controller = new AbortController();
  void (async () => {
    const response = await postOperation(token, 'text/event-stream', { query }, controller.signal);
    if (!response.body) throw new Error('the gateway sent no event stream');
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let boundary = buffer.indexOf('\n\n');
      while (boundary >= 0) {
        const message = buffer.slice(0, boundary);
        buffer = buffer.slice(boundary + 2);
        boundary = buffer.indexOf('\n\n');
        const event = /^event: ?(.*)$/m.exec(message)?.[1];
        const data = message
          .split('\n')
          .filter((line) => line.startsWith('data:'))
          .map((line) => line.slice(5).trimStart())
          .join('\n');
        if (event === 'complete') return;
        if (data === '') continue;
        const payload = JSON.parse(data) as { data?: T; errors?: GatewayError[] };
        const first = payload.errors?.[0];
        if (first) onError(new ConsoleRequestError(first));
        else if (payload.data !== undefined) onData(payload.data);
      }
    }
  })().catch((error: unknown) => {
    if (!controller.signal.aborted) onError(error instanceof Error ? error : new Error(String(error)));
  });
  return () => controller.abort();
}
