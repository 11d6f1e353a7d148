/**
 * User-agent classes: a known bot or crawler (the maintained `isbot` list) and a non-browser agent (absent,
 * empty, or one that does not claim a browser engine: curl, python-requests, Go-http-client...).
 */
import { isbot } from 'isbot';

// Every mainstream browser and in-app web view sends a `Mozilla/5.0 (...)` product token with a platform.
const BROWSER_SHAPE = /^Mozilla\/5\.0 \([^)]+\)/;
const SCRIPTED =
  /\b(?:curl|wget|python|java|go-http-client|okhttp|axios|node-fetch|libwww|httpclient|headless)/i;

/** The user-agent facts kept after ingest. */
export interface AgentClass {
  botUserAgent: boolean;
  nonBrowserAgent: boolean;
}

/** Classify a user agent. */
export function classifyUserAgent(userAgent: string | undefined): AgentClass {
  if (userAgent === undefined || userAgent.trim() === '')
    return { botUserAgent: false, nonBrowserAgent: true };
  return {
    botUserAgent: isbot(userAgent),
    nonBrowserAgent: !BROWSER_SHAPE.test(userAgent) || SCRIPTED.test(userAgent),
  };
}
