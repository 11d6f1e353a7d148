/**
 * Dispatch on a discriminated input's `kind`. A stage over several topics parses each record into a variant of
 * its own kind; its event ids and its record handler then go by kind, one function each, and the type checks
 * that every kind has one.
 */

/** One function per kind of `In`, each given its own variant. */
export type KindHandlers<In extends { kind: string }, Args extends unknown[], Out> = {
  [K in In['kind']]: (input: Extract<In, { kind: K }>, ...args: Args) => Out;
};

/**
 * A function of any variant that calls the handler of its kind.
 *
 * @example
 * onRecord: byKind<BiddingInput, [RecordContext], void>({
 *   stock: (input, ctx) => onStock(input.status, ctx),
 *   verdict: (input, ctx) => onVerdict(input.verdict, ctx),
 *   ...
 * }),
 */
export function byKind<In extends { kind: string }, Args extends unknown[], Out>(
  handlers: KindHandlers<In, Args, Out>,
): (input: In, ...args: Args) => Out {
  return (input, ...args) => {
    const handle = handlers[input.kind as In['kind']] as (input: In, ...rest: Args) => Out;
    return handle(input, ...args);
  };
}
