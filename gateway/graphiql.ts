/**
 * GraphiQL served from the product's own assets. Yoga's default page loads GraphiQL's script, stylesheet and editor
 * workers from a CDN: it never loads without internet ("Loading…" forever), and it would run third-party script on
 * the page where users paste their tokens. Here the page and every asset come from this origin (the
 * `@graphql-yoga/render-graphiql` package carries them), under a Content-Security-Policy that allows no other
 * origin: scripts and connections from `self` only, workers from `self` (through the `blob:` wrappers the editor
 * makes), styles from `self` and the inline styles the editor sets, fonts and images from `self` and `data:`.
 *
 * The assets (about 9 MB of text) are loaded on the first request for them, gzipped once, and served with a
 * version in their path so a browser may keep them.
 */
import { createRequire } from 'node:module';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import type { GraphiQLOptions } from 'graphql-yoga';

/** The policy of the GraphiQL page: nothing from any other origin, no inline script, no eval. */
export const GRAPHIQL_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  // Monaco's editor workers run from a blob: wrapper it makes itself, which imports this origin's worker files.
  "worker-src 'self' blob:",
  "connect-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "font-src 'self' data:",
  "img-src 'self' data:",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': GRAPHIQL_CSP,
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

const version: string = (
  createRequire(import.meta.url)('@graphql-yoga/render-graphiql/package.json') as { version: string }
).version;
/** Where the assets live; the version makes a new release fetch new files. */
export const GRAPHIQL_ASSET_PREFIX = `/graphiql/${version}/`;

/** Monaco's worker labels and the files that hold them. */
const WORKERS: Record<string, string> = {
  editorWorkerService: 'editor.worker.js',
  json: 'json.worker.js',
  graphql: 'graphql.worker.js',
};

/**
 * Set before GraphiQL loads: Monaco starts its workers from these files. It wraps each in a small `blob:` worker
 * that imports the file, which resolves only an absolute URL (hence the origin in front).
 */
const SETUP_SCRIPT = `self.MonacoEnvironment = {
  globalAPI: false,
  getWorkerUrl: function (_moduleId, label) {
    var files = ${JSON.stringify(WORKERS)};
    return self.location.origin + ${JSON.stringify(GRAPHIQL_ASSET_PREFIX)} + (files[label] || files.editorWorkerService);
  },
};
`;

/** Reads the page's options (a JSON data block, which the policy does not treat as script) and renders. */
const START_SCRIPT = `(function () {
  var options = JSON.parse(document.getElementById('graphiql-options').textContent);
  YogaGraphiQL.renderYogaGraphiQL(document.getElementById('root'), options);
})();
`;

interface Asset {
  type: string;
  body: Buffer;
  gzipped?: Buffer;
}

let assets: Promise<Map<string, Asset>> | undefined;

function loadAssets(): Promise<Map<string, Asset>> {
  assets ??= import('@graphql-yoga/render-graphiql/graphiql').then((bundle) => {
    const javascript = 'text/javascript; charset=utf-8';
    const favicon = /^data:([^;]+);base64,(.*)$/s.exec(bundle.favicon);
    const files: Array<[string, string, string | Buffer]> = [
      ['setup.js', javascript, SETUP_SCRIPT],
      ['yoga-graphiql.js', javascript, bundle.js],
      ['start.js', javascript, START_SCRIPT],
      ['graphiql.css', 'text/css; charset=utf-8', bundle.css],
      [WORKERS['editorWorkerService']!, javascript, bundle.editorWorkerService],
      [WORKERS['json']!, javascript, bundle.jsonWorker],
      [WORKERS['graphql']!, javascript, bundle.graphqlWorker],
      ['favicon.ico', favicon?.[1] ?? 'image/x-icon', Buffer.from(favicon?.[2] ?? '', 'base64')],
    ];
    return new Map(
      files.map(([name, type, content]) => [
        name,
        { type, body: typeof content === 'string' ? Buffer.from(content, 'utf8') : content },
      ]),
    );
  });
  return assets;
}

/** Escape a JSON text for a `<script type="application/json">` block (no `</script>` can end it early). */
function jsonForHtml(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}

/** The GraphiQL page: markup only; every script and stylesheet is a file of this origin. */
export function graphiqlPage(options: GraphiQLOptions): string {
  const title = (options.title ?? 'GraphiQL').replace(/[<>&"]/g, '');
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>${title}</title>
    <link rel="icon" href="${GRAPHIQL_ASSET_PREFIX}favicon.ico" />
    <link rel="stylesheet" href="${GRAPHIQL_ASSET_PREFIX}graphiql.css" />
  </head>
  <body id="body" class="no-focus-outline">
    <noscript>GraphiQL needs JavaScript.</noscript>
    <div id="root">Loading GraphiQL…</div>
    <script type="application/json" id="graphiql-options">${jsonForHtml(options)}</script>
    <script src="${GRAPHIQL_ASSET_PREFIX}setup.js"></script>
    <script src="${GRAPHIQL_ASSET_PREFIX}yoga-graphiql.js"></script>
    <script src="${GRAPHIQL_ASSET_PREFIX}start.js"></script>
  </body>
</html>
`;
}

/** Options of {@link createGraphiqlRoute}. */
export interface GraphiqlRouteOptions {
  /** The GraphQL endpoint the page talks to (and where it is served for browsers). */
  endpoint: string;
  /** What the page shows: title, subscription transport, the first query in the editor. */
  page: GraphiQLOptions;
}

/**
 * Answer GraphiQL's requests: the page for a browser's GET of the endpoint (as yoga would), and its assets under
 * {@link GRAPHIQL_ASSET_PREFIX}. Resolves to false for any other request.
 */
export function createGraphiqlRoute(
  options: GraphiqlRouteOptions,
): (request: IncomingMessage, response: ServerResponse) => Promise<boolean> {
  const page = Buffer.from(graphiqlPage({ ...options.page, endpoint: options.endpoint }), 'utf8');
  return async (request, response) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return false;
    const pathname = new URL(request.url ?? '/', 'http://localhost').pathname;
    const head = request.method === 'HEAD';
    if (pathname === options.endpoint || pathname === `${options.endpoint}/`) {
      if (!(request.headers.accept ?? '').includes('text/html')) return false;
      response.writeHead(200, { ...PAGE_HEADERS, 'content-length': page.length });
      response.end(head ? undefined : page);
      return true;
    }
    if (!pathname.startsWith('/graphiql/')) return false;
    const asset = pathname.startsWith(GRAPHIQL_ASSET_PREFIX)
      ? (await loadAssets()).get(pathname.slice(GRAPHIQL_ASSET_PREFIX.length))
      : undefined;
    if (asset === undefined) {
      response.writeHead(404, {
        'content-type': 'text/plain; charset=utf-8',
        'x-content-type-options': 'nosniff',
      });
      response.end(head ? undefined : 'not found\n');
      return true;
    }
    const gzip =
      /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? '')) && asset.body.length > 1024;
    if (gzip) asset.gzipped ??= gzipSync(asset.body);
    const body = gzip ? asset.gzipped! : asset.body;
    response.writeHead(200, {
      'content-type': asset.type,
      'content-length': body.length,
      'cache-control': 'public, max-age=604800, immutable',
      'x-content-type-options': 'nosniff',
      vary: 'accept-encoding',
      ...(gzip ? { 'content-encoding': 'gzip' } : {}),
    });
    response.end(head ? undefined : body);
    return true;
  };
}
