/**
 * `useArmor`: graphql-armor's limits on tokens, depth, cost, aliases and directives, with refusals a client
 * can tell from a bug: each is a `BAD_USER_INPUT` whose `extensions.reason` names the limit, over HTTP,
 * Server-Sent Events and graphql-ws alike.
 *
 * Left alone, armor throws a bare `GraphQLError` ("Syntax Error: …", no code) out of parse or validate. A
 * throw out of validate skips yoga's after-validate hooks, so HTTP and SSE answer it without a code, and on
 * graphql-ws it escapes `onSubscribe` and closes the whole socket with 4500, taking the connection's other
 * subscriptions with it. Here each protection's `onReject` throws a coded refusal in place of armor's error
 * (still aborting early, so the remaining validation rules never walk a bomb), and the validate function
 * answers such a refusal as the validation result instead of letting it escape.
 */
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import type { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { badUserInput } from '../errors.ts';

/** graphql-armor's configuration. */
export type ArmorOptions = NonNullable<Parameters<typeof EnvelopArmorPlugin>[0]>;

/** The `extensions.reason` of a refusal, by armor protection. */
const ARMOR_REFUSAL_REASONS = {
  maxTokens: 'MAX_TOKENS',
  maxDepth: 'MAX_DEPTH',
  costLimit: 'COST_LIMIT',
  maxAliases: 'MAX_ALIASES',
  maxDirectives: 'MAX_DIRECTIVES',
} as const;

type Protection = keyof typeof ARMOR_REFUSAL_REASONS;
type RejectCallback = NonNullable<NonNullable<ArmorOptions[Protection]>['onReject']>[number];

/**
 * The plugin; it installs graphql-armor itself, so it replaces `EnvelopArmorPlugin` in the plugin list.
 *
 * @example
 * plugins: [useJoseAuth(auth), useArmor({ maxDepth: { n: 8 }, costLimit: { maxCost: 5_000 } })]
 */
export function useArmor(options: ArmorOptions = {}): Plugin<Record<string, unknown>> {
  const refusals = new WeakSet<object>();
  const refuse =
    (protection: Protection): RejectCallback =>
    (_context, error) => {
      // Armor prefixes every refusal with "Syntax Error: " though none is one.
      const refusal = badUserInput(error.message.replace(/^Syntax Error: /, ''), {
        reason: ARMOR_REFUSAL_REASONS[protection],
      });
      refusals.add(refusal);
      throw refusal;
    };
  const coded = <K extends Protection>(protection: K): ArmorOptions[K] => {
    const configured: NonNullable<ArmorOptions[Protection]> = options[protection] ?? {};
    return {
      ...configured,
      // Ours last: the configured callbacks still see armor's error before ours throws.
      onReject: [...(configured.onReject ?? []), refuse(protection)],
      propagateOnRejection: true,
    };
  };
  const armor = EnvelopArmorPlugin({
    ...options,
    maxTokens: coded('maxTokens'),
    maxDepth: coded('maxDepth'),
    costLimit: coded('costLimit'),
    maxAliases: coded('maxAliases'),
    maxDirectives: coded('maxDirectives'),
  });
  return {
    onPluginInit({ addPlugin }) {
      // Armor is typed as a plain envelop plugin, which yoga runs as it is (as yoga's own `useEnvelop` does).
      addPlugin(armor as Plugin<Record<string, unknown>>);
    },
    onValidate({ validateFn, setValidationFn }) {
      setValidationFn((...args) => {
        try {
          return validateFn(...args);
        } catch (error) {
          if (typeof error === 'object' && error !== null && refusals.has(error)) {
            return [error as GraphQLError];
          }
          throw error;
        }
      });
    },
  };
}
