/**
 * Prometheus metrics of one gateway, on their own registry (so two gateways in one process do not collide).
 * Names follow `cleanroom_<area>_<thing>_<unit>`.
 */
import { GCProfiler } from 'node:v8';
import type { HeapSpaceStatistics } from 'node:v8';
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
  /** Heap the process retained after its latest full GC (NaN until the first one): the live heap. */
  heapRetainedAfterGc: Gauge;
  /** Full (mark-compact) GCs of the process, so a reader can take each retained figure once. */
  fullGcs: Counter;
}

/** What the process-wide GC watcher saw so far. */
interface FullGcState {
  /** Heap left outside the young generation by the latest full GC (NaN before the first). */
  retainedBytes: number;
  count: number;
  /** Take in the GCs recorded since the last call. */
  drain(): void;
}

/** V8's name for a full (mark-compact) collection in GC profiles. */
const FULL_GC = 'MarkSweepCompact';
/** Longest time GC records pile up unread (one record per GC, scavenges included). */
const DRAIN_INTERVAL_MS = 5_000;

// Memory is per process, so one watcher serves every registry in it.
let fullGcState: FullGcState | null = null;

/**
 * Heap in use outside the young generation. Right after a full GC that is the live heap: the young generation
 * is left out because it holds mostly garbage that the next scavenge drops. Its floor rising over time is a
 * leak; RSS alone cannot tell one from V8 growing its heap to the allocation rate.
 */
function retainedBytes(spaces: readonly HeapSpaceStatistics[]): number {
  let bytes = 0;
  for (const space of spaces) {
    if (space.spaceName !== 'new_space' && space.spaceName !== 'new_large_object_space')
      bytes += space.spaceUsedSize;
  }
  return bytes;
}

/**
 * Watch full GCs with V8's GC profiler, which records the heap as each GC left it. (A `gc` performance
 * observer hears of a GC only later, after the event loop allocated more, which under load adds tens of MiB.)
 */
function watchFullGcs(): FullGcState {
  if (fullGcState !== null) return fullGcState;
  let profiler = new GCProfiler();
  profiler.start();
  const state: FullGcState = {
    retainedBytes: Number.NaN,
    count: 0,
    drain() {
      const { statistics } = profiler.stop();
      profiler = new GCProfiler();
      profiler.start();
      for (const gc of statistics) {
        if (gc.gcType !== FULL_GC) continue;
        state.count += 1;
        state.retainedBytes = retainedBytes(gc.afterGC.heapSpaceStatistics);
      }
    },
  };
  setInterval(() => state.drain(), DRAIN_INTERVAL_MS).unref();
  fullGcState = state;
  return state;
}

/** Create the metrics on a fresh registry. */
export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics === true)
    collectDefaultMetrics({ register: registry, prefix: 'cleanroom_gateway_' });
  const registers = [registry];
  const gcs = watchFullGcs();
  let reportedGcs = 0;
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
    heapRetainedAfterGc: new Gauge({
      name: 'cleanroom_gateway_heap_retained_after_gc_bytes',
      help: 'V8 heap in use outside the young generation right after the latest full GC (the live heap)',
      registers,
      collect() {
        gcs.drain();
        this.set(gcs.retainedBytes);
      },
    }),
    fullGcs: new Counter({
      name: 'cleanroom_gateway_full_gcs_total',
      help: 'Full (mark-compact) garbage collections of the gateway process',
      registers,
      // The gauge above (collected first) drained the profiler: both figures describe the same GC.
      collect() {
        this.inc(gcs.count - reportedGcs);
        reportedGcs = gcs.count;
      },
    }),
  };
}
