/**
 * Read the gateway's Prometheus metrics over real HTTP (`/metrics` beside `/graphql`, with a host principal's
 * token: the route is for the host's operators only).
 */

/**
 * The sum of a metric's samples whose labels include `labels` (0 when there is none yet).
 *
 * @example await metricValue(harness.url, opsToken, 'cleanroom_gateway_subscribers_count', { subscription: 'audienceSignals' });
 */
export async function metricValue(
  graphqlUrl: string,
  operatorToken: string,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const response = await fetch(graphqlUrl.replace(/\/graphql$/, '/metrics'), {
    headers: { authorization: `Bearer ${operatorToken}` },
  });
  if (response.status !== 200) throw new Error(`/metrics answered ${response.status}`);
  const text = await response.text();
  const wanted = Object.entries(labels).map(([label, value]) => `${label}="${value}"`);
  let sum = 0;
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match === null || match[1] !== name) continue;
    const present = (match[2] ?? '').split(',');
    if (wanted.every((pair) => present.includes(pair))) sum += Number(match[3]);
  }
  return sum;
}
