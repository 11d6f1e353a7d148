/**
 * The source of a request, as refused-token audit entries name it: the client's network address, folded the way
 * rate limiters fold it (an IPv6 client owns at least a /64, so its /64 is one source; an IPv4-mapped IPv6
 * address is its IPv4 address), then pseudonymized with a keyed hash. The decision log can never be rewritten,
 * so it keeps `source:<16 hex>` rather than an address; the key stays in `<dataDir>/secrets/`, so the same
 * source keeps the same pseudonym across restarts and an operator holding the key can check a suspect address.
 */
import { createHmac, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';
import path from 'node:path';

const KEY_FILE = 'auth-source.key';

/** The address of the client behind a GraphQL context (HTTP: `req`; graphql-ws: the upgrade request). */
export function clientAddressOf(context: Record<string, unknown>): string | undefined {
  const request = context['req'] as { socket?: { remoteAddress?: unknown } } | undefined;
  const address = request?.socket?.remoteAddress;
  return typeof address === 'string' ? address : undefined;
}

function expandIPv6(address: string): string[] | null {
  const [head = '', tail] = address.split('::');
  if (address.split('::').length > 2) return null;
  const parse = (part: string): string[] => (part === '' ? [] : part.split(':'));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  // An embedded IPv4 tail (::ffff:1.2.3.4) counts as two groups.
  const last = right.at(-1) ?? left.at(-1);
  const ipv4Groups = last !== undefined && last.includes('.') ? 1 : 0;
  const missing = 8 - left.length - right.length - ipv4Groups;
  if (tail === undefined && missing !== 0) return null;
  if (missing < 0) return null;
  return [...left, ...Array<string>(missing).fill('0'), ...right];
}

/**
 * Fold an address into its source: IPv4 as is, IPv6 to its /64 (`2001:db8:1:2::/64`), anything else `unknown`.
 *
 * @example
 * sourceOfAddress('::ffff:10.1.2.3'); // '10.1.2.3'
 * sourceOfAddress('2001:db8:0:1:aaaa::7'); // '2001:db8:0:1::/64'
 */
export function sourceOfAddress(address: string | undefined): string {
  if (address === undefined) return 'unknown';
  const bare = address.replace(/%.*$/, '').toLowerCase();
  if (isIPv4(bare)) return bare;
  if (!isIPv6(bare)) return 'unknown';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(bare);
  if (mapped?.[1] !== undefined && isIPv4(mapped[1])) return mapped[1];
  const groups = expandIPv6(bare);
  if (groups === null) return 'unknown';
  return `${groups
    .slice(0, 4)
    .map((group) => group.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

/** Pseudonymizes sources with a keyed hash: `source:` + 16 hex digits of HMAC-SHA256(key, source). */
export function createSourcePseudonyms(key: Uint8Array): (source: string) => string {
  if (key.length < 16) throw new RangeError('the source pseudonym key must hold at least 16 bytes');
  return (source) => `source:${createHmac('sha256', key).update(source).digest('hex').slice(0, 16)}`;
}

/** Load the source pseudonym key from `<dataDir>/secrets/`, creating it (owner-only) if absent. */
export function loadOrCreateSourceKey(dataDir: string): Uint8Array {
  const secretsDir = path.join(dataDir, 'secrets');
  const file = path.join(secretsDir, KEY_FILE);
  if (fs.existsSync(file)) return new Uint8Array(Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64'));
  fs.mkdirSync(secretsDir, { recursive: true, mode: 0o700 });
  fs.chmodSync(secretsDir, 0o700);
  const key = randomBytes(32);
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  try {
    // link, not rename: if another process created the key meanwhile, both use its key.
    fs.linkSync(temp, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    fs.rmSync(temp, { force: true });
  }
  return new Uint8Array(Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64'));
}
