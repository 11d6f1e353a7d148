/**
 * `createGateway`: the governed GraphQL gateway over HTTP, Server-Sent Events and graphql-ws on `/graphql`,
 * with `/healthz`, `/readyz` and `/metrics`. Every dependency is injected; the caller (`cleanroom serve`)
 * composes the pipeline and hands the gateway its log, contracts, audit log, identity and privacy services.
 */
import { createServer } from 'node:http';
import path from 'node:path';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createYoga } from 'graphql-yoga';
import type { YogaServerInstance } from 'graphql-yoga';
import { createAuthAuditor } from './auth/auth-audit.ts';
import { loadOrCreateSourceKey } from './auth/client-source.ts';
import { GATEWAY_AUDIENCE, loadOrCreateDevKeyPair } from './auth/dev-keys.ts';
import type { DevKeyPair } from './auth/dev-keys.ts';
import { createTokenAuthenticator } from './auth/token-authenticator.ts';
import type { HostPrincipalEntry } from './auth/token-authenticator.ts';
import { authenticateCredential, useJoseAuth } from './auth/use-jose-auth.ts';
import type { JoseAuthOptions } from './auth/use-jose-auth.ts';
import type { JwksCacheOptions, KeySource } from './auth/verifier.ts';
import type { GatewayPorts, GatewayServices, SubscriptionLimits } from './context.ts';
import { createGraphiqlRoute } from './graphiql.ts';
import { handleOperationalRoute, readiness } from './http-routes.ts';
import { createMetrics } from './metrics.ts';
import type { Metrics } from './metrics.ts';
import { useArmor } from './plugins/use-armor.ts';
import { useIntrospectionGuard } from './plugins/use-introspection-guard.ts';
import { usePartnerRateLimit } from './plugins/use-partner-rate-limit.ts';
import { useRequestMetrics } from './plugins/use-request-metrics.ts';
import type { HostPrivacyView, SegmentCatalogPort } from './ports.ts';
import { createAudienceUploads } from './read-models/audience-uploads.ts';
import { DEFAULT_HOST_CONFIG } from '../policies/index.ts';
import { toHostPrivacyView } from './policy-adapters.ts';
import { createActivationGates } from './release/activation-gates.ts';
import { createLiveStreams } from './release/live-streams.ts';
import { openReleaseStore } from './release/release-store.ts';
import { createMaterializer } from './read-models/materializer.ts';
import type { Materializer } from './read-models/materializer.ts';
import { createReadModels } from './read-models/read-models.ts';
import { createGatewaySchema } from './schema.ts';
import { createLiveFeeds } from './subscriptions/live-feeds.ts';
import { createSignalHub } from './subscriptions/signal-hub.ts';
import { attachWebSocket } from './websocket.ts';
import type { GatewayWebSocket } from './websocket.ts';

/** A structured logger (pino-compatible subset). Never given PII or tokens. */
export interface GatewayLogger {
  info(object: object, message?: string): void;
  warn(object: object, message?: string): void;
  error(object: object, message?: string): void;
}

/**
 * Token verification settings. A partner whose contract names its own identity provider is verified against it
 * alone; everyone else against the host's provider (`keys`, `issuer`, `audience`) and, with `devTokens`, the
 * development key.
 */
export interface GatewayAuthOptions {
  /** The host's identity provider keys (a JWKS URL or public keys). */
  keys?: KeySource;
  /** Issuer of the host provider's tokens; required with `keys`. */
  issuer?: string | string[];
  /** Audience the host provider's tokens must name. Default `cleanroom-gateway`. */
  audience?: string | string[];
  /** Accept tokens signed by the development key (`cleanroom token`). Default: true when `keys` is absent. */
  devTokens?: boolean;
  /**
   * Host principals: `{ id, role }` binds an id to its role; a bare id may take either host role. Absent: any
   * verified host-role token.
   */
  hostPrincipals?: HostPrincipalEntry[];
  /** Seconds of clock skew tolerated on exp, nbf and iat. Default 5. */
  clockToleranceSeconds?: number;
  /** Caching of JWKS URLs (the host's and partners'). */
  jwks?: JwksCacheOptions;
  /** Folding of refused-token audit entries (per source and reason). */
  refusalAudit?: { windowMs?: number; maxTrackedSources?: number };
}

/** Options of `createGateway`. */
export interface GatewayOptions extends GatewayPorts {
  /** Where the development key lives (`<dataDir>/secrets/`). */
  dataDir: string;
  catalog?: SegmentCatalogPort;
  /** The host's privacy settings; default those of a host file with no `privacy` section. */
  privacy?: HostPrivacyView;
  /** GraphiQL (served from this origin's own assets) and introspection for every role. Default false. */
  devMode?: boolean;
  auth?: GatewayAuthOptions;
  limits?: Partial<SubscriptionLimits>;
  /** Largest request body. Default 1 MiB. */
  maxBodyBytes?: number;
  /** Most records the read models may lag and still be ready. Default 1000. */
  readyMaxLag?: number;
  /** Signal records retained for cursor resumption. Default 100000. */
  retainedSignalRecords?: number;
  /** Consumer group of the read-model consumer (unique per instance by default). */
  groupId?: string;
  logger?: GatewayLogger;
  now?: () => Date;
  /**
   * Extra GET routes served beside `/graphql` (e.g. the privacy officer console's `consoleResponse`): each is
   * asked in turn with the path and answers a Response, or undefined to pass.
   */
  httpRoutes?: Array<(pathname: string) => Response | undefined | Promise<Response | undefined>>;
}

async function serveExtraRoute(
  routes: NonNullable<GatewayOptions['httpRoutes']>,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<boolean> {
  if (routes.length === 0 || (request.method !== 'GET' && request.method !== 'HEAD')) return false;
  const pathname = new URL(request.url ?? '/', 'http://localhost').pathname;
  for (const route of routes) {
    const answer = await route(pathname);
    if (answer === undefined) continue;
    response.writeHead(answer.status, Object.fromEntries(answer.headers.entries()));
    response.end(request.method === 'HEAD' ? undefined : Buffer.from(await answer.arrayBuffer()));
    return true;
  }
  return false;
}

/** A running (or ready to run) gateway. */
export interface Gateway {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  yoga: YogaServerInstance<any, any>;
  server: Server;
  metrics: Metrics;
  services: GatewayServices;
  /** The development key pair when the embedded default's key is in use. */
  devKeys: DevKeyPair | null;
  /** Start the read-model consumer, then listen. */
  listen(port: number, host?: string): Promise<{ url: string }>;
  ready(): Promise<boolean>;
  close(): Promise<void>;
}

const silentLogger: GatewayLogger = { info() {}, warn() {}, error() {} };

/** What GraphiQL's editor shows first: how to authenticate, and a query every role may run. */
const GRAPHIQL_DEFAULT_QUERY = `# Paste a token into Headers below:
#   {"Authorization": "Bearer <token>"}
# cleanroom serve prints one per sample principal.
query WhoAmI {
  me {
    id
    role
  }
}
`;

/**
 * Create the gateway.
 *
 * @example
 * const gateway = await createGateway({ log, dataDir, policy, contracts, audit, pseudonyms, identity, budget, noise });
 * const { url } = await gateway.listen(4000, '127.0.0.1');
 */
export async function createGateway(options: GatewayOptions): Promise<Gateway> {
  const logger = options.logger ?? silentLogger;
  const devMode = options.devMode ?? false;
  const metrics = createMetrics({ defaultMetrics: false });
  const privacy = options.privacy ?? toHostPrivacyView(DEFAULT_HOST_CONFIG);
  const readModels = createReadModels({ consentDefault: privacy.consentDefault });
  const releaseStore = openReleaseStore(path.join(options.dataDir, 'release.sqlite'));
  const clock = options.now ?? (() => new Date());
  const signals = createSignalHub({
    now: () => clock().getTime(),
    segmentsOf: (subjectId) => readModels.segmentsOf(subjectId),
    ...(options.retainedSignalRecords !== undefined
      ? { retainedRecords: options.retainedSignalRecords }
      : {}),
  });
  const feeds = createLiveFeeds();
  const services: GatewayServices = {
    log: options.log,
    policy: options.policy,
    contracts: options.contracts,
    audit: options.audit,
    pseudonyms: options.pseudonyms,
    identity: options.identity,
    budget: options.budget,
    noise: options.noise,
    catalog: options.catalog,
    readModels,
    uploads: createAudienceUploads(options.identity, releaseStore),
    signals,
    feeds,
    metrics,
    liveSubscriptions: new Map(),
    limits: {
      maxBufferedPerSubscriber: options.limits?.maxBufferedPerSubscriber ?? 1_000,
      campaignMetricsIntervalMs: options.limits?.campaignMetricsIntervalMs ?? 10_000,
    },
    privacy,
    release: {
      store: releaseStore,
      live: createLiveStreams({ store: releaseStore, settings: privacy.continualRelease }),
      gates: createActivationGates(releaseStore),
    },
    // Gate decisions go on the log as it is when they are made, not only as it was at start.
    readModelsCaughtUp: () => materializer.caughtUpNow(),
    devMode,
    now: options.now ?? (() => new Date()),
    authAudit: createAuthAuditor({
      audit: options.audit,
      sourceKey: loadOrCreateSourceKey(options.dataDir),
      ...options.auth?.refusalAudit,
      onAppendError: (error) => {
        metrics.auditFailures.inc();
        logger.error({ error: (error as Error).message }, 'gateway: a refused token could not be audited');
      },
    }),
  };
  const materializer: Materializer = createMaterializer({
    log: options.log,
    models: readModels,
    hub: signals,
    feeds,
    metrics,
    ...(options.groupId !== undefined ? { groupId: options.groupId } : {}),
    onErased: (subjectId) => services.uploads.forgetSubject(subjectId),
    onError: (error, record) =>
      logger.warn(
        {
          topic: record.topic,
          partition: record.partition,
          offset: record.offset,
          error: (error as Error).message,
        },
        'gateway: skipped an unreadable record',
      ),
  });

  const authOptions = options.auth ?? {};
  if (authOptions.keys !== undefined && authOptions.issuer === undefined)
    throw new TypeError('createGateway: auth.issuer is required with auth.keys');
  const devKeys =
    (authOptions.devTokens ?? authOptions.keys === undefined)
      ? await loadOrCreateDevKeyPair(options.dataDir)
      : null;
  const auth: JoseAuthOptions = {
    authenticate: createTokenAuthenticator({
      contracts: options.contracts,
      ...(authOptions.keys !== undefined && authOptions.issuer !== undefined
        ? {
            hostProvider: {
              keys: authOptions.keys,
              issuer: authOptions.issuer,
              audience: authOptions.audience ?? GATEWAY_AUDIENCE,
            },
          }
        : {}),
      devKeys,
      hostPrincipals: authOptions.hostPrincipals ?? null,
      ...(authOptions.clockToleranceSeconds !== undefined
        ? { clockToleranceSeconds: authOptions.clockToleranceSeconds }
        : {}),
      ...(authOptions.jwks !== undefined ? { jwks: authOptions.jwks } : {}),
    }),
    audit: services.authAudit,
    onRejected: (reason) => metrics.authRejections.inc({ reason }),
  };

  const yoga = createYoga<Record<string, unknown>, { services: GatewayServices }>({
    schema: createGatewaySchema(),
    graphqlEndpoint: '/graphql',
    // GraphiQL is served by `graphiqlRoute` below, from this origin's own assets (yoga's page loads a CDN's).
    graphiql: false,
    landingPage: false,
    maskedErrors: true,
    logging: false,
    context: () => ({ services }),
    plugins: [
      useJoseAuth(auth),
      // Refusals are BAD_USER_INPUT with the limit as `extensions.reason` (plugins/use-armor.ts).
      useArmor({
        maxDepth: { n: 8 },
        costLimit: { maxCost: 5_000 },
        maxAliases: { n: 15 },
        maxTokens: { n: 2_000 },
        maxDirectives: { n: 20 },
        blockFieldSuggestion: { enabled: !devMode },
      }),
      useIntrospectionGuard({ devMode }),
      usePartnerRateLimit({ contracts: options.contracts }),
      useRequestMetrics(metrics),
    ],
  });

  let started = false;
  const probe = {
    log: options.log,
    lag: () => materializer.lag(),
    started: () => started,
    maxLag: options.readyMaxLag ?? 1_000,
  };
  const maxBodyBytes = options.maxBodyBytes ?? 1_048_576;
  const graphiqlRoute = devMode
    ? createGraphiqlRoute({
        endpoint: '/graphql',
        page: {
          title: 'Clean room GraphiQL',
          // Over SSE a subscription carries the headers pasted into the editor; GraphiQL's graphql-ws client
          // would send none, so every subscription would be anonymous.
          subscriptionsProtocol: 'SSE',
          defaultQuery: GRAPHIQL_DEFAULT_QUERY,
          isHeadersEditorEnabled: true,
          defaultEditorToolsVisibility: 'headers',
        },
      })
    : async () => false;
  const isOperator = async (authorization: string | undefined): Promise<boolean> => {
    const outcome = await authenticateCredential(authorization, auth).catch(() => ({ rejected: 'error' }));
    return (
      'principal' in outcome &&
      outcome.principal !== null &&
      (outcome.principal.role === 'HOST_ADMIN' || outcome.principal.role === 'PRIVACY_OFFICER')
    );
  };
  const server = createServer((request, response) => {
    handleOperationalRoute(request, response, { probe, metrics, maxBodyBytes, isOperator })
      .then(async (handled) => handled || graphiqlRoute(request, response))
      .then(async (handled) => handled || serveExtraRoute(options.httpRoutes ?? [], request, response))
      .then(
        (handled) => {
          if (!handled) void yoga.requestListener(request, response);
        },
        (error: unknown) => {
          logger.error({ error: (error as Error).message }, 'gateway: operational route failed');
          if (!response.headersSent) response.writeHead(500);
          response.end();
        },
      );
  });
  let webSocket: GatewayWebSocket | null = null;

  return {
    yoga,
    server,
    metrics,
    services,
    devKeys,
    async listen(port, host = '127.0.0.1') {
      await materializer.start();
      started = true;
      webSocket = attachWebSocket(server, yoga, auth);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      const address = server.address() as AddressInfo;
      const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      const url = `http://${shownHost}:${address.port}/graphql`;
      logger.info({ url, devMode }, 'gateway: listening');
      return { url };
    },
    async ready() {
      return (await readiness(probe)).ready;
    },
    async close() {
      await webSocket?.close();
      webSocket = null;
      server.closeAllConnections();
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
      // Folded refusals still waiting for their second go to the log before it closes.
      await services.authAudit.close();
      await materializer.stop();
      started = false;
      releaseStore.close();
    },
  };
}
