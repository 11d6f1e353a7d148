/**
 * What the release step and the activation gates use of the gateway's services — a narrow view, so that the
 * release modules do not depend on the gateway's context (which holds them).
 */
import type { Metrics } from '../metrics.ts';
import type { AuditPort, BudgetPort, HostPrivacyView, NoisePort } from '../ports.ts';
import type { ReadModels } from '../read-models/read-models.ts';
import type { SignalHub } from '../subscriptions/signal-hub.ts';
import type { LiveStreams } from './live-streams.ts';

/** The services a release needs. */
export interface ReleaseDeps {
  budget: BudgetPort;
  noise: NoisePort;
  metrics: Metrics;
  audit: AuditPort;
  privacy: HostPrivacyView;
  readModels: ReadModels;
  signals: SignalHub;
  now: () => Date;
  readModelsCaughtUp: () => Promise<void>;
  release: { live: LiveStreams };
}
