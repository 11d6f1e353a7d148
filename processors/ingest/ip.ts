/**
 * IP parsing for enrichment: the canonical form of an address, its /24 (IPv4) or /48 (IPv6) prefix, and its
 * class against a list of data-centre CIDR blocks (node's `BlockList`).
 */
import { BlockList, isIPv4, isIPv6 } from 'node:net';
import { IngestError } from './errors.ts';

/** A parsed address: its family, canonical text and frequency-counting prefix. */
export interface ParsedIp {
  family: 'ipv4' | 'ipv6';
  /** Canonical text (IPv4 dotted quad; IPv6 fully expanded, lower case). */
  address: string;
  /** `a.b.c.0/24` or the first three IPv6 groups `/48`. */
  prefix: string;
}

/** Expand an IPv6 address to eight four-digit groups, or null when it is not one. */
function expandIpv6(text: string): string[] | null {
  let address = text.toLowerCase();
  const zone = address.indexOf('%');
  if (zone !== -1) address = address.slice(0, zone);
  if (!isIPv6(address)) return null;
  const lastColon = address.lastIndexOf(':');
  const tail = address.slice(lastColon + 1);
  if (tail.includes('.')) {
    const octets = tail.split('.').map(Number);
    const hi = (((octets[0] ?? 0) << 8) | (octets[1] ?? 0)).toString(16);
    const lo = (((octets[2] ?? 0) << 8) | (octets[3] ?? 0)).toString(16);
    address = `${address.slice(0, lastColon + 1)}${hi}:${lo}`;
  }
  const [head = '', rest] = address.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const restGroups = rest === undefined || rest === '' ? [] : rest.split(':');
  const missing = 8 - headGroups.length - restGroups.length;
  const groups =
    rest === undefined ? headGroups : [...headGroups, ...Array<string>(missing).fill('0'), ...restGroups];
  return groups.map((group) => group.padStart(4, '0'));
}

/** Parse an address; IPv4-mapped IPv6 (`::ffff:1.2.3.4`) counts as IPv4. Null when it is not an address. */
export function parseIp(text: string): ParsedIp | null {
  const trimmed = text.trim();
  if (isIPv4(trimmed)) {
    const octets = trimmed.split('.').map((octet) => String(Number(octet)));
    return { family: 'ipv4', address: octets.join('.'), prefix: `${octets.slice(0, 3).join('.')}.0/24` };
  }
  const groups = expandIpv6(trimmed);
  if (groups === null) return null;
  if (groups.slice(0, 5).every((group) => group === '0000') && groups[5] === 'ffff') {
    const value = parseInt(`${groups[6]}${groups[7]}`, 16);
    return parseIp([value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join('.'));
  }
  return { family: 'ipv6', address: groups.join(':'), prefix: `${groups.slice(0, 3).join(':')}::/48` };
}

/** Classifies addresses as data-centre or other. */
export interface IpClassifier {
  classify(ip: ParsedIp): 'datacenter' | 'other';
}

/**
 * Build a classifier from CIDR blocks (`3.80.0.0/12`, `2600:1f00::/24`).
 *
 * @throws IngestError `INVALID_CIDR` naming the bad block.
 */
export function createIpClassifier(cidrs: readonly string[]): IpClassifier {
  const blocks = new BlockList();
  for (const cidr of cidrs) {
    const [base = '', bitsText = ''] = cidr.split('/');
    const bits = Number(bitsText);
    const family = isIPv4(base) ? 'ipv4' : isIPv6(base) ? 'ipv6' : null;
    const maxBits = family === 'ipv4' ? 32 : 128;
    if (family === null || !/^\d+$/.test(bitsText) || bits > maxBits) {
      throw new IngestError('INVALID_CIDR', `'${cidr}' is not a CIDR block`);
    }
    blocks.addSubnet(base, bits, family);
  }
  return { classify: (ip) => (blocks.check(ip.address, ip.family) ? 'datacenter' : 'other') };
}
