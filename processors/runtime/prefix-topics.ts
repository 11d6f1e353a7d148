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
