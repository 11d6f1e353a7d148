/**
 * What the decision log's API and the privacy officer's console agree on: the filter `policyDecisions` takes,
 * the reads `excludeOwnReads` hides, and the buckets `decisionHistogram` returns. The resolvers answer with these
 * and the console's live tail applies the same rules, so both read them from here.
 *
 * The console's browser bundle (esbuild, from `console/src/main.ts`) includes this file: it imports nothing and
 * uses no Node API.
 */

/** What `policyDecisions` accepts as `filter` (strings as the client sent them). */
export interface DecisionFilterInput {
  principal?: string;
  role?: string;
  action?: string;
  effect?: string;
  code?: string;
  excludeOwnReads?: boolean;
  since?: string;
  until?: string;
}

/** Reads of the audit state a console repeats while it is open (hidden by `excludeOwnReads`). */
export const OWN_READ_ACTIONS: ReadonlySet<string> = new Set([
  'me.read',
  'audit.sth',
  'budget.read',
  'consent.read',
  'decisions.read',
  'decisions.subscribe',
]);

/** Decisions of one principal and effect in one bucket. */
export interface DecisionBucket {
  start: string;
  principal: string;
  role: string | null;
  effect: string;
  count: number;
  epsilonSpent: number;
}

/** Counts per bucket, principal and effect. */
export interface DecisionHistogram {
  since: string;
  until: string;
  bucketSeconds: number;
  buckets: DecisionBucket[];
  examined: number;
  truncated: boolean;
}
