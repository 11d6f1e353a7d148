/**
 * `useRequestMetrics`: counts executed operations by type.
 */
import { getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Metrics } from '../metrics.ts';

/** The plugin. */
export function useRequestMetrics(metrics: Metrics): Plugin {
  return {
    onExecute({ args }) {
      const operation = getOperationAST(args.document, args.operationName)?.operation ?? 'unknown';
      metrics.requests.inc({ operation });
    },
    onSubscribe() {
      metrics.requests.inc({ operation: 'subscription' });
    },
  };
}
