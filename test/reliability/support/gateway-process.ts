/**
 * Start the gateway fixture (support/gateway-child.ts) and talk to it: tokens from its development key, GraphQL
 * over HTTP, its RSS from /proc.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadOrCreateDevKeyPair, mintDevToken } from '../../../gateway/index.ts';
import type { Role } from '../../../gateway/index.ts';
import type { GqlResponse } from '../../gateway/support/harness.ts';
import { startChild } from './child-process.ts';
import type { Child } from './child-process.ts';
import type { GatewayChildConfig } from './gateway-child.ts';

const FIXTURE = join(import.meta.dirname, 'gateway-child.ts');

/** A running gateway process. */
export interface GatewayProcess {
  child: Child;
  url: string;
  base: string;
  pid: number;
}

/** Start the fixture and wait until it listens. */
export async function startGatewayProcess(config: GatewayChildConfig): Promise<GatewayProcess> {
  const child = startChild(FIXTURE, config);
  const ready = await child.waitForLine('ready', { timeout: 120_000 });
  const url = String(ready['url']);
  return { child, url, base: url.replace(/\/graphql$/, ''), pid: Number(ready['pid']) };
}

/** Mint a token with the gateway's development key (kept in `<dataDir>/secrets`). */
export async function tokenFor(dataDir: string, partnerId: string, role: Role): Promise<string> {
  const keys = await loadOrCreateDevKeyPair(dataDir);
  return mintDevToken(keys, { partnerId, role });
}

/** POST a GraphQL request. */
export async function gql(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  token?: string,
): Promise<GqlResponse> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as GqlResponse;
}

/** Resident set size of a process in bytes (Linux /proc). */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /VmRSS:\s+(\d+) kB/.exec(status);
  return match ? Number(match[1]) * 1024 : Number.NaN;
}
