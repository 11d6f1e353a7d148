/**
 * Governed queries: requests/s and p50/p99 latency of `segmentSize` and `campaignReport` (brand token, real
 * policies) under load from a separate process at fixed offered rates, against bare graphql-yoga answering the
 * same shape from memory, measured in the same run. The gateway and yoga run in this process, one at a time.
 */
import fs from 'node:fs';
import path from 'node:path';
import { summarize } from '../../stats.ts';
import type { Summary } from '../../stats.ts';
import type { Figure, SeriesPoint, Suite } from '../../types.ts';
import { figure, notMeasured, reasonOf } from '../support/figures.ts';
import type { FigureOptions } from '../support/figures.ts';
import { waitUntil } from '../support/wait.ts';
import { startBareYoga } from './bare-yoga.ts';
import { BENCH_CAMPAIGN, BENCH_SEGMENT, fillReadModels, startBenchGateway } from './gateway-fixture.ts';
import { runLoad } from './load.ts';
import type { LoadResult } from './load.ts';

const SUITE = 'queries';
const RATES = [100, 500, 2_000] as const;
const MEMBERS = 20_000;
const DAYS = 30;

const QUERIES = {
  segmentSize: `query { segmentSize(segmentId: "${BENCH_SEGMENT}") { value epsilonSpent exact } }`,
  campaignReport: `query { campaignReport(campaignId: "${BENCH_CAMPAIGN}") { campaignId model exact rows { day channel exposedSubjects conversions revenue spend roas } filteredRows { count } } }`,
} as const;
type QueryName = keyof typeof QUERIES;

interface GraphqlBody {
  data?: Record<string, unknown> | null;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
}

async function ask(url: string, query: string, token?: string): Promise<GraphqlBody> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query }),
  });
  return (await response.json()) as GraphqlBody;
}

/**
 * Throws unless the query answers with data and no error (e.g. BUDGET_EXHAUSTED or RATE_LIMITED), and a report
 * with released rows (a report whose rows were all withheld would be cheaper than a real one).
 */
async function expectAnswer(url: string, name: QueryName, token?: string): Promise<void> {
  const body = await ask(url, QUERIES[name], token);
  if (body.errors?.length || !body.data?.[name]) {
    throw new Error(
      `${name} answered ${body.errors?.[0]?.extensions?.code ?? ''} ${body.errors?.[0]?.message ?? 'no data'}`,
    );
  }
  const rows = (body.data[name] as { rows?: unknown[] }).rows;
  if (name === 'campaignReport' && (rows?.length ?? 0) < DAYS) {
    throw new Error(`campaignReport released ${rows?.length ?? 0} rows, fewer than the ${DAYS} days filled`);
  }
}

export const queriesSuite: Suite = {
  name: SUITE,
  async run(context) {
    const durationSeconds = context.quick ? 1 : 4;
    const repetitions = context.quick ? 1 : 2;
    const dir = fs.mkdtempSync(path.join(context.workDir, 'queries-'));
    const results = new Map<string, LoadResult[]>();
    const figures: Figure[] = [];
    const series: SeriesPoint[] = [];
    const load = async (
      key: string,
      url: string,
      name: QueryName,
      rate: number,
      token?: (rep: number) => string,
    ) => {
      const list: LoadResult[] = [];
      for (let rep = 0; rep < repetitions; rep += 1) {
        const bearer = token?.(rep);
        list.push(
          await runLoad({
            url,
            body: JSON.stringify({ query: QUERIES[name] }),
            headers: {
              'content-type': 'application/json',
              ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
            },
            ratePerSecond: rate,
            durationSeconds,
            connections: Math.min(20, Math.max(2, Math.ceil(rate / 50))),
          }),
        );
      }
      results.set(key, list);
      const last = list.at(-1);
      context.progress(
        `    ${key}: ${last?.achievedPerSecond.toFixed(0)} req/s, p99 ${last?.p99Ms} ms, ${last?.failures} failures`,
      );
    };
    try {
      // A brand of its own for every load run, so that no run meets a budget another has spent.
      const runs = Object.keys(QUERIES).length * RATES.length * repetitions;
      const bench = await startBenchGateway(dir, { brands: runs });
      let nextBrand = 0;
      try {
        await fillReadModels(bench.log, MEMBERS, DAYS);
        await waitUntil(
          async () => {
            const body = await ask(bench.url, QUERIES.segmentSize, bench.adminToken);
            return (body.data?.segmentSize as { value?: number } | undefined)?.value === MEMBERS;
          },
          { timeoutMs: 30_000, intervalMs: 100, message: 'the gateway read models did not fill' },
        );
        for (const name of Object.keys(QUERIES) as QueryName[]) {
          for (const rate of RATES) {
            const tokens = Array.from({ length: repetitions }, () => bench.brandTokens[nextBrand++]!);
            for (const token of tokens) await expectAnswer(bench.url, name, token);
            await load(`gateway ${name} @${rate}`, bench.url, name, rate, (rep) => tokens[rep]!);
            // A budget or rate limit hit during the load would make fast error answers look like throughput.
            for (const token of tokens) await expectAnswer(bench.url, name, token);
          }
        }
      } finally {
        await bench.close();
      }
      const bare = await startBareYoga(DAYS, MEMBERS);
      try {
        for (const name of Object.keys(QUERIES) as QueryName[]) {
          await expectAnswer(bare.url, name);
          for (const rate of RATES) await load(`bare ${name} @${rate}`, bare.url, name, rate);
        }
      } finally {
        await bare.close();
      }
    } catch (error) {
      figures.push(
        notMeasured(
          SUITE,
          'governed queries',
          'requests/s',
          reasonOf(error),
          '>= 50% of bare yoga; p99 < 15 ms at 500 req/s',
        ),
      );
      fs.rmSync(dir, { recursive: true, force: true });
      return { figures };
    }
    fs.rmSync(dir, { recursive: true, force: true });
    const of = (key: string, pick: (result: LoadResult) => number): Summary =>
      summarize((results.get(key) ?? []).map(pick));
    for (const name of Object.keys(QUERIES) as QueryName[]) {
      for (const rate of RATES) {
        const gateway = `gateway ${name} @${rate}`;
        const bare = `bare ${name} @${rate}`;
        const failures = (results.get(gateway) ?? []).reduce((sum, result) => sum + result.failures, 0);
        figures.push(
          figure(
            SUITE,
            `${name} throughput at ${rate} req/s offered`,
            'req/s',
            of(gateway, (r) => r.achievedPerSecond),
            {
              baseline: {
                name: 'bare graphql-yoga from memory',
                value: of(bare, (r) => r.achievedPerSecond),
              },
              target: { text: '>= 50% of bare yoga', on: 'ratio', atLeast: 0.5 },
              note: `brand token, real policies (audit append fsync'd per request)${failures > 0 ? `; ${failures} failed requests` : ''}`,
            },
          ),
        );
        const latency = (
          quantile: 'p50' | 'p99',
          pick: (result: LoadResult) => number,
          target: Pick<FigureOptions, 'target'> = {},
        ) =>
          figure(SUITE, `${name} ${quantile} at ${rate} req/s offered`, 'ms', of(gateway, pick), {
            baseline: { name: `bare graphql-yoga ${quantile}`, value: of(bare, pick) },
            ...target,
          });
        figures.push(
          latency('p50', (r) => r.p50Ms),
          latency(
            'p99',
            (r) => r.p99Ms,
            rate === 500 ? { target: { text: 'p99 < 15 ms at 500 req/s', atMost: 15 } } : {},
          ),
        );
        series.push(
          { series: `throughput:${name}`, x: rate, y: of(gateway, (r) => r.achievedPerSecond).median },
          { series: `throughput:bare ${name}`, x: rate, y: of(bare, (r) => r.achievedPerSecond).median },
          { series: `latency:${name}`, x: rate, y: of(gateway, (r) => r.p99Ms).median },
          { series: `latency:bare ${name}`, x: rate, y: of(bare, (r) => r.p99Ms).median },
        );
      }
    }
    return { figures, series };
  },
};
