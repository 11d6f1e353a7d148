/**
 * The query baseline: bare graphql-yoga (no auth, no policy, no audit, no noise) answering the same
 * `segmentSize` and `campaignReport` shapes from memory.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSchema, createYoga } from 'graphql-yoga';

const typeDefs = /* GraphQL */ `
  type NoisyCount {
    value: Int!
    epsilonSpent: Float!
    exact: Boolean!
  }
  type CampaignReportRow {
    day: String
    channel: String
    exposedSubjects: Int!
    conversions: Float!
    revenue: Float!
    spend: Float!
    roas: Float
  }
  type FilteredRows {
    count: Int!
  }
  type CampaignReport {
    campaignId: ID!
    model: String!
    exact: Boolean!
    rows: [CampaignReportRow!]!
    filteredRows: FilteredRows!
  }
  type Query {
    segmentSize(segmentId: ID!): NoisyCount!
    campaignReport(campaignId: ID!): CampaignReport!
  }
`;

/** Start bare yoga on 127.0.0.1 answering `days` report rows per channel and a fixed segment size. */
export async function startBareYoga(
  days: number,
  segmentSize: number,
): Promise<{ url: string; close(): Promise<void> }> {
  const rows: Array<Record<string, string | number>> = [];
  for (let day = 0; day < days; day += 1) {
    for (const channel of ['online', 'store']) {
      const exposedSubjects = 200 + day * 10;
      rows.push({
        day: new Date(Date.UTC(2026, 9, 1 + day)).toISOString().slice(0, 10),
        channel,
        exposedSubjects,
        conversions: Math.floor(exposedSubjects / 10),
        revenue: exposedSubjects * 3,
        spend: exposedSubjects,
        roas: 3,
      });
    }
  }
  const yoga = createYoga({
    schema: createSchema({
      typeDefs,
      resolvers: {
        Query: {
          segmentSize: () => ({ value: segmentSize, epsilonSpent: 0.000001, exact: false }),
          campaignReport: (_root: unknown, args: { campaignId: string }) => ({
            campaignId: args.campaignId,
            model: 'LAST_TOUCH',
            exact: false,
            rows,
            filteredRows: { count: 0 },
          }),
        },
      },
    }),
    logging: false,
    graphiql: false,
  });
  // yoga answers every request itself, errors included (a 500 with the masked error): nothing to await.
  const server: Server = createServer((request, response) => void yoga(request, response));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
