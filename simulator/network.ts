/**
 * The simulated network: residential and data-centre addresses and the user agents of browsers and bots.
 * Ingest is configured with {@link DATA_CENTRE_CIDRS} so its ip class matches what the simulator planted.
 */
import type { Random } from './random.ts';

/** IPv4 data-centre ranges the simulator draws hosting traffic from (cloud provider blocks). */
export const DATA_CENTRE_CIDRS: readonly string[] = [
  '3.80.0.0/12',
  '34.64.0.0/10',
  '52.0.0.0/11',
  '104.196.0.0/14',
  '159.89.0.0/16',
];

/** First octets of residential ISP space; none overlaps {@link DATA_CENTRE_CIDRS}. */
const RESIDENTIAL_FIRST_OCTETS = [24, 67, 68, 71, 73, 76, 98, 108, 174] as const;

/** Real-looking browser and app user agents of ordinary shoppers. */
export const BROWSER_USER_AGENTS: readonly string[] = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Safari/605.1.15',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0',
  'Mozilla/5.0 (Linux; Android 13; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Mobile Safari/537.36',
  'Mozilla/5.0 (iPad; CPU OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1',
];

/** User agents of the planted crawlers and scripts; every one is a known bot or a non-browser agent. */
export const BOT_USER_AGENTS: readonly string[] = [
  'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  'Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)',
  'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)',
  'python-requests/2.31.0',
  'curl/8.5.0',
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36',
];

/** A residential address: mostly IPv4, a few IPv6 (as ISPs hand out). */
export function residentialIp(random: Random): string {
  if (random.chance(0.06)) {
    return `2601:${random.hex(3)}:${random.hex(4)}:${random.hex(4)}::${random.hex(3)}`;
  }
  const first = random.pick(RESIDENTIAL_FIRST_OCTETS);
  return `${first}.${random.int(256)}.${random.int(256)}.${1 + random.int(254)}`;
}

function ipv4ToNumber(address: string): number {
  return address.split('.').reduce((value, octet) => value * 256 + Number(octet), 0);
}

function numberToIpv4(value: number): string {
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join('.');
}

/** A host address inside an IPv4 CIDR block. */
export function ipInCidr(random: Random, cidr: string): string {
  const [base = '0.0.0.0', bitsText = '32'] = cidr.split('/');
  const hostBits = 32 - Number(bitsText);
  const size = 2 ** hostBits;
  const offset = size <= 2 ? 0 : 1 + random.int(size - 2);
  return numberToIpv4((ipv4ToNumber(base) + offset) >>> 0);
}

/** An address in one of the data-centre ranges. */
export function dataCentreIp(random: Random): string {
  return ipInCidr(random, random.pick(DATA_CENTRE_CIDRS));
}

/** Whether an IPv4 address lies in a CIDR block (used by tests and the ground truth). */
export function ipv4InCidr(address: string, cidr: string): boolean {
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(address)) return false;
  const [base = '0.0.0.0', bitsText = '32'] = cidr.split('/');
  const bits = Number(bitsText);
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return (ipv4ToNumber(address) & mask) >>> 0 === (ipv4ToNumber(base) & mask) >>> 0;
}

/** Whether an address is in any of {@link DATA_CENTRE_CIDRS}. */
export function isDataCentreIp(address: string): boolean {
  return DATA_CENTRE_CIDRS.some((cidr) => ipv4InCidr(address, cidr));
}
