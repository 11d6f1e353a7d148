/**
 * Prometheus metrics of one gateway, on their own registry (so two gateways in one process do not collide).
 * Names follow `cleanroom_<area>_<thing>_<unit>`.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

/** The gateway's metrics. */
export interface Metrics {
  registry: Registry;
  requests: Counter<'operation'>;
  decisions: Counter<'effect' | 'action'>;
  epsilonSpent: Counter<'partner'>;
  subscribers: Gauge<'subscription'>;
  consumerLag: Gauge<'topic'>;
  eventsProcessed: Counter<'topic'>;
  authRejections: Counter<'reason'>;
  auditFailures: Counter;
  slowSubscriberDisconnects: Counter<'subscription'>;
}

/** Create the metrics on a fresh registry. */
export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics === true)
    collectDefaultMetrics({ register: registry, prefix: 'cleanroom_gateway_' });
  const registers = [registry];
  return {
    registry,
    requests: new Counter({
      name: 'cleanroom_gateway_requests_total',
      help: 'GraphQL operations executed, by operation type',
      labelNames: ['operation'],
      registers,
    }),
    decisions: new Counter({
      name: 'cleanroom_gateway_decisions_total',
      help: 'Policy decisions, by effect and action',
      labelNames: ['effect', 'action'],
      registers,
    }),
    epsilonSpent: new Counter({
      name: 'cleanroom_gateway_epsilon_spent_total',
      help: 'Differential-privacy epsilon spent, by partner',
      labelNames: ['partner'],
      registers,
    }),
    subscribers: new Gauge({
      name: 'cleanroom_gateway_subscribers_count',
      help: 'Live subscribers, by subscription field',
      labelNames: ['subscription'],
      registers,
    }),
    consumerLag: new Gauge({
      name: 'cleanroom_gateway_consumer_lag_records',
      help: 'Records the read-model consumer is behind the log end, by topic',
      labelNames: ['topic'],
      registers,
    }),
    eventsProcessed: new Counter({
      name: 'cleanroom_gateway_events_processed_total',
      help: 'Records materialized into read models, by topic',
      labelNames: ['topic'],
      registers,
    }),
    authRejections: new Counter({
      name: 'cleanroom_gateway_auth_rejections_total',
      help: 'Refused credentials, by reason',
      labelNames: ['reason'],
      registers,
    }),
    auditFailures: new Counter({
      name: 'cleanroom_gateway_audit_failures_total',
      help: 'Requests failed closed because the audit append failed',
      registers,
    }),
    slowSubscriberDisconnects: new Counter({
      name: 'cleanroom_gateway_slow_subscriber_disconnects_total',
      help: 'Subscribers disconnected because their buffer overflowed',
      labelNames: ['subscription'],
      registers,
    }),
  };
}
