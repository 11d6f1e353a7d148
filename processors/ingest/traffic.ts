/**
 * Enrichment of network and device facts: everything later stages need from the ip, user agent, device and
 * session ids, as keyed HMACs and classes. The raw values stop here.
 */
import { hmacBase64url } from '../../policies/identity/index.ts';
import type { HostSecrets } from '../../policies/identity/index.ts';
import type { Traffic } from '../../schema/topics.ts';
import { parseIp } from './ip.ts';
import type { IpClassifier } from './ip.ts';
import { classifyUserAgent } from './user-agent.ts';

/** Keys and lists enrichment needs. */
export interface TrafficContext {
  secrets: HostSecrets;
  ipClassifier: IpClassifier;
}

/** The raw network and device fields of an event. */
export interface RawTraffic {
  ip?: string | undefined;
  userAgent?: string | undefined;
  deviceId?: string | undefined;
}

/** Enrich and strip: the traffic facts of an event, holding no raw identifier. */
export function enrichTraffic(raw: RawTraffic, context: TrafficContext): Traffic {
  const traffic: Traffic = { ipClass: 'unknown', ...classifyUserAgent(raw.userAgent) };
  const parsed = raw.ip === undefined ? null : parseIp(raw.ip);
  if (parsed !== null) {
    traffic.ipHash = hmacBase64url(context.secrets.ipHmacKey, `ip:${parsed.address}`);
    traffic.ipPrefixHash = hmacBase64url(context.secrets.ipHmacKey, `prefix:${parsed.prefix}`);
    traffic.ipClass = context.ipClassifier.classify(parsed);
  }
  const deviceHash = deviceHashOf(raw.deviceId, context.secrets);
  if (deviceHash !== undefined) traffic.deviceHash = deviceHash;
  return traffic;
}

/** HMAC of a device id (undefined without one). */
export function deviceHashOf(deviceId: string | undefined, secrets: HostSecrets): string | undefined {
  return deviceId === undefined ? undefined : hmacBase64url(secrets.deviceHmacKey, `device:${deviceId}`);
}

/** HMAC of a session id. */
export function sessionHashOf(sessionId: string, secrets: HostSecrets): string {
  return hmacBase64url(secrets.deviceHmacKey, `session:${sessionId}`);
}
