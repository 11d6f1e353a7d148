/**
 * The services every resolver reaches through the GraphQL context, and the context type itself.
 */
import type { AuthAuditor } from './auth/auth-audit.ts';
import type { Metrics } from './metrics.ts';
import type {
  AuditPort,
  BudgetPort,
  ContractsPort,
  HostPrivacyView,
  IdentityPort,
  Log,
  NoisePort,
  PolicyPort,
  Principal,
  PseudonymPort,
  SegmentCatalogPort,
} from './ports.ts';
import type { ReadModels } from './read-models/read-models.ts';
import type { SignalHub } from './subscriptions/signal-hub.ts';
import type { AudienceUploads } from './read-models/audience-uploads.ts';
import type { LiveFeeds } from './subscriptions/live-feeds.ts';
import type { ActivationGates } from './release/activation-gates.ts';
import type { LiveStreams } from './release/live-streams.ts';
import type { ReleaseStore } from './release/release-store.ts';

/** The release step's own state: uploads, continual-release streams, activation gates. */
export interface ReleaseServices {
  store: ReleaseStore;
  live: LiveStreams;
  gates: ActivationGates;
}

/** Tunables of subscriptions. */
export interface SubscriptionLimits {
  /** Items buffered per subscriber before it is disconnected as too slow. */
  maxBufferedPerSubscriber: number;
  /** Smallest interval between two noised `campaignMetrics` pushes (each spends budget). */
  campaignMetricsIntervalMs: number;
}

/** The ports a gateway is given (the one list of them: options and services both extend it). */
export interface GatewayPorts {
  log: Log;
  policy: PolicyPort;
  contracts: ContractsPort;
  audit: AuditPort;
  pseudonyms: PseudonymPort;
  identity: IdentityPort;
  budget: BudgetPort;
  noise: NoisePort;
}

/** The gateway's services. */
export interface GatewayServices extends GatewayPorts {
  catalog: SegmentCatalogPort | undefined;
  readModels: ReadModels;
  uploads: AudienceUploads;
  signals: SignalHub;
  feeds: LiveFeeds;
  metrics: Metrics;
  /** Live subscriptions per principal id (for the contract's `maxSubscriptions`). */
  liveSubscriptions: Map<string, number>;
  limits: SubscriptionLimits;
  /** The host's privacy settings (consent default, bounds, activation, continual release). */
  privacy: HostPrivacyView;
  release: ReleaseServices;
  /**
   * Resolves once the read models have read the log as it is now (after the rebuild at start), or after a few
   * seconds if they are further behind.
   */
  readModelsCaughtUp: () => Promise<void>;
  devMode: boolean;
  now: () => Date;
  /** Audits refused authentications, folded per source and reason (`refused(clientAddress, reason)`). */
  authAudit: AuthAuditor;
}

/** The GraphQL context of one operation. */
export interface GatewayContext {
  principal: Principal | null;
  /** The client's network address, for `services.authAudit.refused` (undefined when unknown). */
  clientAddress?: string | undefined;
  services: GatewayServices;
}
