import { isbot } from 'isbot';
import { describe, expect, it } from 'vitest';
import {
  BOT_USER_AGENTS,
  BROWSER_USER_AGENTS,
  DATA_CENTRE_CIDRS,
  createRandom,
  ipv4InCidr,
  isDataCentreIp,
} from '../../simulator/index.ts';
import { dataCentreIp, residentialIp } from '../../simulator/network.ts';

describe('simulated network', () => {
  it('uses bot user agents that isbot recognises and browser agents it does not', () => {
    for (const agent of BOT_USER_AGENTS) expect(isbot(agent), agent).toBe(true);
    for (const agent of BROWSER_USER_AGENTS) expect(isbot(agent), agent).toBe(false);
  });

  it('matches CIDR blocks', () => {
    expect(ipv4InCidr('34.64.0.1', '34.64.0.0/10')).toBe(true);
    expect(ipv4InCidr('34.128.0.1', '34.64.0.0/10')).toBe(false);
    expect(ipv4InCidr('2601::1', '34.64.0.0/10')).toBe(false);
    expect(DATA_CENTRE_CIDRS.length).toBeGreaterThan(0);
  });

  it('draws data-centre addresses inside the ranges and residential ones outside', () => {
    const random = createRandom(1);
    for (let n = 0; n < 2_000; n += 1) {
      expect(isDataCentreIp(dataCentreIp(random))).toBe(true);
      expect(isDataCentreIp(residentialIp(random))).toBe(false);
    }
  });
});
