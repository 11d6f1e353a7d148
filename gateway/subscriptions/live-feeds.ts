/**
 * Fan-out of newly materialized triggers to `triggerFired` subscribers. (Audit entries fan out through
 * the audit port's own `subscribe`; signals through the signal hub.)
 */
import type { Trigger } from '../../schema/index.ts';

/** Live feeds fed by the materializer. */
export interface LiveFeeds {
  publishTrigger(trigger: Trigger): void;
  onTrigger(listener: (trigger: Trigger) => void): () => void;
}

/** Create the feeds. */
export function createLiveFeeds(): LiveFeeds {
  const triggerListeners = new Set<(trigger: Trigger) => void>();
  return {
    publishTrigger(trigger) {
      for (const listener of [...triggerListeners]) listener(trigger);
    },
    onTrigger(listener) {
      triggerListeners.add(listener);
      return () => {
        triggerListeners.delete(listener);
      };
    },
  };
}
