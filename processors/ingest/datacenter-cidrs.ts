/**
 * The default data-centre ranges ingest classifies as hosting traffic. A deployment passes its own list
 * (`datacenterCidrs`), typically the published ranges of the major clouds; this default covers the blocks the
 * simulator draws hosting traffic from plus a few well-known cloud blocks, IPv4 and IPv6.
 */
export const DEFAULT_DATACENTER_CIDRS: readonly string[] = [
  // The simulator's hosting blocks (simulator/network.ts DATA_CENTRE_CIDRS).
  '3.80.0.0/12',
  '34.64.0.0/10',
  '52.0.0.0/11',
  '104.196.0.0/14',
  '159.89.0.0/16',
  // Other well-known cloud and hosting blocks.
  '13.64.0.0/11',
  '35.184.0.0/13',
  '20.33.0.0/16',
  '138.68.0.0/16',
  '2600:1f00::/24',
  '2a05:d000::/25',
  '2600:1900::/28',
];
