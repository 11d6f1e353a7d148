import { TOPICS } from '../../schema/topics.ts';

/**
 * Topic names under a prefix: tests on a shared broker give each run its own (`t1.` reads `t1.cleanroom.events`).
 *
 * @example
 * prefixTopics('t1.', { events: TOPICS.events }); // { events: 't1.cleanroom.events' }
 */
export function prefixTopics<Name extends string>(
  prefix: string,
  topics: Readonly<Record<Name, string>>,
): Record<Name, string> {
  const entries = Object.entries<string>(topics).map(([name, topic]) => [name, `${prefix}${topic}`]);
  return Object.fromEntries(entries) as Record<Name, string>;
}

/**
 * A stage's topics by role, each role being a topic of `TOPICS`: the name given for it, else its `cleanroom.*`
 * name.
 *
 * @example
 * stageTopics(['stock', 'bids'], { bids: 't1.cleanroom.bids' }); // { stock: 'cleanroom.stock', bids: 't1.cleanroom.bids' }
 */
export function stageTopics<Role extends keyof typeof TOPICS>(
  roles: readonly Role[],
  given: Partial<Record<Role, string>> = {},
): Record<Role, string> {
  return Object.fromEntries(roles.map((role) => [role, given[role] ?? TOPICS[role]])) as Record<Role, string>;
}
