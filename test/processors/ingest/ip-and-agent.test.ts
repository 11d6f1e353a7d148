import { describe, expect, it } from 'vitest';
import { classifyUserAgent, createIpClassifier, parseIp } from '../../../processors/ingest/index.ts';

describe('ip parsing', () => {
  it('canonicalizes IPv4 and takes its /24', () => {
    expect(parseIp(' 52.1.2.3 ')).toEqual({ family: 'ipv4', address: '52.1.2.3', prefix: '52.1.2.0/24' });
  });

  it('expands IPv6 and takes its /48', () => {
    expect(parseIp('2601:AB:1::5')).toEqual({
      family: 'ipv6',
      address: '2601:00ab:0001:0000:0000:0000:0000:0005',
      prefix: '2601:00ab:0001::/48',
    });
    expect(parseIp('::1')?.address).toBe('0000:0000:0000:0000:0000:0000:0000:0001');
  });

  it('treats IPv4-mapped IPv6 as IPv4', () => {
    expect(parseIp('::ffff:10.0.0.7')).toEqual({
      family: 'ipv4',
      address: '10.0.0.7',
      prefix: '10.0.0.0/24',
    });
  });

  it('returns null for what is not an address', () => {
    expect(parseIp('not-an-ip')).toBeNull();
    expect(parseIp('300.1.1.1')).toBeNull();
  });
});

describe('ip classes', () => {
  const classifier = createIpClassifier(['52.0.0.0/11', '2600:1f00::/24']);
  it.each([
    ['52.31.255.255', 'datacenter'],
    ['52.32.0.1', 'other'],
    ['73.1.2.3', 'other'],
    ['2600:1f00:abcd::1', 'datacenter'],
    ['2601::1', 'other'],
  ])('%s is %s', (ip, expected) => {
    expect(classifier.classify(parseIp(ip)!)).toBe(expected);
  });

  it('refuses a bad CIDR block, naming it', () => {
    expect(() => createIpClassifier(['52.0.0.0/33'])).toThrowError(/52\.0\.0\.0\/33/);
    expect(() => createIpClassifier(['nonsense'])).toThrowError(
      expect.objectContaining({ code: 'INVALID_CIDR' }),
    );
  });
});

describe('user agents', () => {
  it.each([
    [
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
      false,
      false,
    ],
    ['Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', true, false],
    ['python-requests/2.31.0', true, true],
    ['curl/8.5.0', true, true],
    [
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36',
      true,
      true,
    ],
  ])('%s -> bot %s, non-browser %s', (agent, bot, nonBrowser) => {
    expect(classifyUserAgent(agent)).toEqual({ botUserAgent: bot, nonBrowserAgent: nonBrowser });
  });

  it('counts a missing or empty agent as non-browser, not as a bot', () => {
    expect(classifyUserAgent(undefined)).toEqual({ botUserAgent: false, nonBrowserAgent: true });
    expect(classifyUserAgent('  ')).toEqual({ botUserAgent: false, nonBrowserAgent: true });
  });
});
