/**
 * graphql-ws subscribers in their own process, so the gateway's process holds only the gateway. Protocol, one
 * JSON object a line: the child prints `{"event":"live"}` once every subscriber has received a signal; the parent
 * then writes `{"measureFrom": <ms>}` to stdin (answered by `{"event":"measuring"}`); the child prints `{"event":"done","latencies":[...]}` once every
 * subscriber has received `signals` signals stamped at or after that instant.
 *
 * Usage: node --import tsx subscriber-child.ts '{"url":"http://...","token":"...","subscribers":100,"signals":40}'
 */
import { createInterface } from 'node:readline';
import { createClient } from 'graphql-ws';
import type { Client } from 'graphql-ws';
import WebSocket from 'ws';

interface ChildConfig {
  url: string;
  token: string;
  subscribers: number;
  signals: number;
  query: string;
}

const config = JSON.parse(process.argv[2] ?? '{}') as ChildConfig;
const print = (line: object): void => void process.stdout.write(`${JSON.stringify(line)}\n`);
const received = new Array<number>(config.subscribers).fill(0);
const measured = new Array<number>(config.subscribers).fill(0);
const latencies: number[] = [];
const clients: Client[] = [];
let measureFrom = Number.POSITIVE_INFINITY;
let live = false;
let done = false;

const check = (): void => {
  if (!live && received.every((count) => count > 0)) {
    live = true;
    print({ event: 'live' });
  }
  if (live && !done && Number.isFinite(measureFrom) && measured.every((count) => count >= config.signals)) {
    done = true;
    print({ event: 'done', latencies });
  }
};

for (let index = 0; index < config.subscribers; index += 1) {
  const client = createClient({
    url: config.url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    connectionParams: { authorization: `Bearer ${config.token}` },
  });
  clients.push(client);
  client.subscribe<{ audienceSignals: { at: string } }>(
    { query: config.query },
    {
      next: (message) => {
        const at = Date.parse(message.data?.audienceSignals.at ?? '');
        received[index] = (received[index] ?? 0) + 1;
        if (at >= measureFrom) {
          latencies.push(Date.now() - at);
          measured[index] = (measured[index] ?? 0) + 1;
        }
        check();
      },
      error: (error) =>
        print({ event: 'error', message: String(error instanceof Error ? error.message : error) }),
      complete: () => undefined,
    },
  );
}

createInterface({ input: process.stdin }).on('line', (line) => {
  const command = JSON.parse(line) as { measureFrom?: number; stop?: boolean };
  if (command.measureFrom !== undefined) {
    measureFrom = command.measureFrom;
    print({ event: 'measuring' });
    check();
  }
  if (command.stop) {
    void Promise.all(clients.map((client) => client.dispose())).then(() => process.exit(0));
  }
});
