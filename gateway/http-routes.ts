/**
 * The operational routes beside `/graphql`: `/healthz` (the process answers), `/readyz` (the log answers and
 * the read models are caught up within a bound) and `/metrics` (Prometheus, for the host's operators only: it
 * counts partners' spending and the host's records exactly, so it asks for a host principal's bearer token).
 * Also the request body limit.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Metrics } from './metrics.ts';
import type { Log } from './ports.ts';

/** What the readiness probe looks at. */
export interface ReadinessProbe {
  log: Log;
  lag: () => Promise<Record<string, number>>;
  started: () => boolean;
  /** Most records the read models may be behind and still be ready. */
  maxLag: number;
}

function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
  });
  response.end(JSON.stringify(body));
}

/** Readiness as a value (also used by tests and `serve`). */
export async function readiness(
  probe: ReadinessProbe,
): Promise<{ ready: boolean; log: boolean; lag: Record<string, number> }> {
  const log = await probe.log.ping().catch(() => false);
  const lag = log ? await probe.lag().catch(() => ({ unknown: Number.POSITIVE_INFINITY })) : {};
  const behind = Object.values(lag).reduce((sum, n) => sum + n, 0);
  return { ready: probe.started() && log && behind <= probe.maxLag, log, lag };
}

/**
 * Handle an operational route or a too-large body. Returns true when the response was written (the request
 * must not reach yoga).
 */
export async function handleOperationalRoute(
  request: IncomingMessage,
  response: ServerResponse,
  options: {
    probe: ReadinessProbe;
    metrics: Metrics;
    maxBodyBytes: number;
    /** Whether an Authorization value names one of the host's own principals (operator, privacy officer). */
    isOperator: (authorization: string | undefined) => Promise<boolean>;
  },
): Promise<boolean> {
  const pathname = new URL(request.url ?? '/', 'http://localhost').pathname;
  if (pathname === '/healthz') {
    json(response, 200, { status: 'ok' });
    return true;
  }
  if (pathname === '/readyz') {
    const state = await readiness(options.probe);
    json(response, state.ready ? 200 : 503, { status: state.ready ? 'ready' : 'not ready', ...state });
    return true;
  }
  if (pathname === '/metrics') {
    if (!(await options.isOperator(request.headers.authorization))) {
      response.setHeader('www-authenticate', 'Bearer');
      json(response, 401, {
        errors: [
          {
            message: "/metrics needs a bearer token of the host's operator or privacy officer",
            extensions: { code: 'UNAUTHENTICATED' },
          },
        ],
      });
      return true;
    }
    await options.probe.lag().catch(() => undefined);
    const body = await options.metrics.registry.metrics();
    response.writeHead(200, { 'content-type': options.metrics.registry.contentType });
    response.end(body);
    return true;
  }
  if (request.method === 'POST') {
    const length = request.headers['content-length'];
    if (length === undefined) {
      // Without a declared length the body cannot be bounded before yoga reads it.
      json(response, 411, {
        errors: [{ message: 'Content-Length required', extensions: { code: 'BAD_USER_INPUT' } }],
      });
      return true;
    }
    if (Number(length) > options.maxBodyBytes) {
      json(response, 413, {
        errors: [
          {
            message: `request body over ${options.maxBodyBytes} bytes`,
            extensions: { code: 'BAD_USER_INPUT' },
          },
        ],
      });
      return true;
    }
  }
  return false;
}
