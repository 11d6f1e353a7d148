/** The text `cleanroom serve` prints once it is up: where to go, who to be, what to try. */

/** What the banner shows. */
export interface BannerInput {
  url: string;
  logKind: string;
  dataDir: string;
  /** Development tokens per principal; null when the gateway does not accept them (no `--dev-tokens`). */
  tokens: Array<{ id: string; role: string; token: string }> | null;
  simulating: boolean;
}

const EXAMPLES = `  # as fresh-oats (BRAND): live audience signals of the segments its contract shares
  subscription { audienceSignals { segmentId pseudonym action at cursor } }

  # as fresh-oats (BRAND): a thresholded, noised segment size (spends privacy budget)
  query { segmentSize(segmentId: "plant-based-buyers") { value epsilonSpent } privacyBudget { epsilonRemaining } }

  # as burger-barn (QSR): cross-industry demand triggers
  query { crossIndustryTriggers(first: 5) { edges { node { category region lift distinctBuyers windowStart } } } }

  # as host-ops (HOST_ADMIN): the ad server's bid multipliers of a campaign, live, with their reasons
  subscription { bidMultipliers(campaignId: "cmp-fresh-oats-spring") { at placements { placement multiplier reasons { code factor } } } }
`;

/** Render the start-up banner. */
export function banner(input: BannerInput): string {
  const graphql = new URL('/graphql', input.url).toString();
  const consoleUrl = new URL('/console', input.url).toString();
  const lines = [
    '',
    'cleanroom is running',
    `  GraphiQL      ${graphql}`,
    `  console       ${consoleUrl}  (sign in with ${input.tokens === null ? 'a PRIVACY_OFFICER token' : 'the dpo token'})`,
    `  log           ${input.logKind}${input.logKind === 'embedded' ? ` (${input.dataDir})` : ''}`,
    `  simulator     ${input.simulating ? 'writing a simulated retail world to the raw topics' : 'off'}`,
    '',
    ...(input.tokens === null
      ? ['development tokens: off (tokens come from the identity providers; --dev-tokens turns them on)']
      : [
          'development tokens (paste into GraphiQL headers as {"Authorization": "Bearer <token>"}):',
          ...input.tokens.flatMap((token) => [`  ${token.id} (${token.role})`, `    ${token.token}`]),
        ]),
    '',
    'try:',
    EXAMPLES,
    'Ctrl-C stops it.',
    '',
  ];
  return lines.join('\n');
}

/** What the banner of a process in one role shows. */
export interface RolesBannerInput {
  role: 'all' | 'processors' | 'gateway';
  /** The gateway's address, when this process runs one. */
  url: string | undefined;
  logKind: string;
  dataDir: string;
  /** Where budgets, keys and the audit log live, when this process runs a gateway. */
  controlPlane: 'sqlite' | 'postgres' | undefined;
  simulating: boolean;
}

/** Render the start-up banner of a process in the `processors` or `gateway` role (no tokens: it is not a demo). */
export function rolesBanner(input: RolesBannerInput): string {
  const lines = [
    '',
    `cleanroom is running (role ${input.role})`,
    ...(input.url === undefined ? [] : [`  GraphQL       ${new URL('/graphql', input.url).toString()}`]),
    `  log           ${input.logKind}${input.logKind === 'embedded' ? ` (${input.dataDir})` : ''}`,
    ...(input.controlPlane === undefined
      ? []
      : [
          `  control plane ${input.controlPlane === 'postgres' ? 'PostgreSQL (shared by every gateway replica)' : `SQLite (${input.dataDir})`}`,
        ]),
    `  simulator     ${input.simulating ? 'writing a simulated retail world to the raw topics' : 'off'}`,
    '',
    'Ctrl-C stops it.',
    '',
  ];
  return lines.join('\n');
}
