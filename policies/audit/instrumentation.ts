/**
 * Prometheus metrics of the audit log. Labels hold effects only — never a principal, resource or digest.
 */
import { Counter } from 'prom-client';
import type { Registry } from 'prom-client';

/** The audit log's metrics (no-ops without a registry). */
export interface AuditMetrics {
  appended(effect: string): void;
  appendFailed(): void;
  treeHeadSigned(): void;
}

function counter<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: L[],
): Counter<L> {
  const existing = registry.getSingleMetric(name) as Counter<L> | undefined;
  return existing ?? new Counter({ name, help, labelNames, registers: [registry] });
}

/**
 * Register `cleanroom_audit_appends_total{effect}`, `cleanroom_audit_append_failures_total` and
 * `cleanroom_audit_tree_heads_signed_total` in `registry`.
 */
export function createAuditMetrics(registry: Registry | undefined): AuditMetrics {
  if (registry === undefined) return { appended: () => {}, appendFailed: () => {}, treeHeadSigned: () => {} };
  const appends = counter(
    registry,
    'cleanroom_audit_appends_total',
    'Decisions durably appended, by effect.',
    ['effect'],
  );
  const failures = counter(
    registry,
    'cleanroom_audit_append_failures_total',
    'Appends that failed (the request was failed, nothing was released).',
    [],
  );
  const treeHeads = counter(
    registry,
    'cleanroom_audit_tree_heads_signed_total',
    'Signed tree heads produced.',
    [],
  );
  return {
    appended: (effect) => appends.inc({ effect }),
    appendFailed: () => failures.inc(),
    treeHeadSigned: () => treeHeads.inc(),
  };
}
