/**
 * `usePartnerRateLimit`: every operation of a partner takes a token from its contract's per-minute bucket;
 * an empty bucket answers RATE_LIMITED. Host principals and contracts without a limit pass.
 */
import type { Plugin } from 'graphql-yoga';
import { createRateLimiter } from '../auth/rate-limiter.ts';
import { rateLimited } from '../errors.ts';
import type { ContractsPort, Principal } from '../ports.ts';

/** The plugin. */
export function usePartnerRateLimit(options: {
  contracts: ContractsPort;
  now?: () => number;
}): Plugin<{ principal?: Principal | null }> {
  const limiter = createRateLimiter(options.now);
  const admit = (principal: Principal | null | undefined): boolean => {
    if (principal === null || principal === undefined) return true;
    if (principal.role !== 'BRAND' && principal.role !== 'QSR') return true;
    const limit = options.contracts.get(principal.id)?.requestsPerMinute ?? null;
    return limit === null || limiter.tryTake(principal.id, limit);
  };
  const refusal = () => ({
    errors: [rateLimited('rate limit of the contract exceeded', { reason: 'RATE_LIMITED' })],
  });
  return {
    onExecute({ args, setResultAndStopExecution }) {
      if (!admit(args.contextValue.principal)) setResultAndStopExecution(refusal());
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      if (!admit(args.contextValue.principal)) setResultAndStopExecution(refusal());
    },
  };
}
