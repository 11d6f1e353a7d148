/**
 * What the attack suite shares: the product running as users run it (`cleanroom serve`, sample contracts, real
 * HTTP), shoppers written to `retail.loyalty` exactly as the host's loyalty system would, and the statistics
 * each attack is judged by.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { hashEmail } from '../../policies/index.ts';
import { createEmbeddedLog } from '../../processors/runtime/index.ts';
import { RAW_TOPICS } from '../../schema/index.ts';
import { graphql } from '../helpers/serve-process.ts';

/**
 * Best success probability of ANY guess of one bit (is this shopper in?) from an epsilon-DP answer, when both
 * answers are a priori equally likely: e^eps / (1 + e^eps).
 */
export function dpGuessBound(epsilon: number): number {
  return Math.exp(epsilon) / (1 + Math.exp(epsilon));
}

/**
 * The sampling margin of a success rate measured over `trials` independent trials whose true rate is at most
 * `p`: z standard deviations of a binomial proportion. With z = 3.5 a correct mechanism fails the assertion
 * with probability about 2.3e-4.
 */
export function samplingMargin(p: number, trials: number, z = 3.5): number {
  return z * Math.sqrt((p * (1 - p)) / trials);
}

/** A UID2-style hash of an email address (what a brand uploads). */
export const uploadHash = (email: string): string => hashEmail(email);

/** `count` hashes no shopper has (random bytes, as a brand padding a list would use). */
export function strangers(count: number): string[] {
  return Array.from({ length: count }, () => createHash('sha256').update(randomBytes(32)).digest('base64'));
}

/**
 * The sample contracts copied to `dir`, with the changes a test needs (each named where it is used): a
 * measurement of hundreds of trials needs a budget and an upload cap the stock files do not give.
 */
export function copySampleContracts(
  dir: string,
  edit: (file: string, document: Record<string, unknown>) => Record<string, unknown> = (_f, d) => d,
): void {
  const samples = path.resolve(import.meta.dirname, '../../examples/contracts');
  fs.mkdirSync(dir, { recursive: true });
  for (const file of fs.readdirSync(samples).filter((name) => name.endsWith('.yaml'))) {
    const document = parse(fs.readFileSync(path.join(samples, file), 'utf8')) as Record<string, unknown>;
    fs.writeFileSync(path.join(dir, file), stringify(edit(file, document)));
  }
}

/** A shopper the loyalty feed describes. */
export interface Shopper {
  email: string;
  loyaltyId: string;
}

let eventNumber = 0;

/**
 * Write loyalty records to the product's embedded log (another process, as the host's loyalty system is): each
 * shopper's profile with its consent, then any later record (a withdrawal, an erasure).
 */
export async function writeLoyalty(
  logPath: string,
  records: Array<{ shopper: Shopper; consent: boolean; erase?: boolean }>,
): Promise<void> {
  const log = createEmbeddedLog({ path: logPath });
  try {
    const start = Date.parse('2026-11-20T00:00:00Z');
    await log.produce(
      RAW_TOPICS.loyalty,
      records.map(({ shopper, consent, erase }) => {
        eventNumber += 1;
        return {
          key: shopper.loyaltyId,
          value: JSON.stringify({
            eventId: `attack-loyalty-${eventNumber}`,
            occurredAt: new Date(start + eventNumber * 1_000).toISOString(),
            loyaltyId: shopper.loyaltyId,
            email: shopper.email,
            consent: { measurement: consent, personalization: consent, partnerSharing: consent },
            ...(erase ? { erase: true } : {}),
          }),
        };
      }),
    );
  } finally {
    await log.close();
  }
}

/** `count` new shoppers named `<prefix>-<n>`. */
export function shoppers(prefix: string, count: number): Shopper[] {
  return Array.from({ length: count }, (_, index) => ({
    email: `${prefix}-${index}@attack.example`,
    loyaltyId: `${prefix}-${index}`,
  }));
}

/** A brand's upload of `hashes`; its id. */
export async function upload(url: string, token: string, hashes: string[]): Promise<string> {
  const response = await graphql<{ uploadAudience: { id: string } }>(
    url,
    token,
    'mutation ($h: [String!]!) { uploadAudience(name: "probe", hashedEmails: $h) { id } }',
    { h: hashes },
  );
  const id = response.data?.uploadAudience.id;
  if (id === undefined) throw new Error(`upload refused: ${JSON.stringify(response.errors)}`);
  return id;
}

/** The overlap of an upload: its noised value, or the refusal's code. */
export async function overlap(
  url: string,
  token: string,
  uploadId: string,
): Promise<{ value: number } | { code: string; body: string }> {
  const response = await graphql<{ audienceOverlap: { overlap: { value: number } } }>(
    url,
    token,
    'query ($id: ID!) { audienceOverlap(uploadId: $id) { overlap { value } } }',
    { id: uploadId },
  );
  if (response.data?.audienceOverlap) return { value: response.data.audienceOverlap.overlap.value };
  return {
    code: String(response.errors?.[0]?.extensions?.code),
    body: JSON.stringify(response.errors?.map((error) => ({ ...error, message: undefined }))),
  };
}
