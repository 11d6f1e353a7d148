/**
 * Serves the privacy officer console at `/console`: the page, its stylesheet and a small ES module bundle that
 * esbuild builds from `gateway/console/src` once, in memory, when the gateway starts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** The console's files, ready to serve. */
export interface ConsoleAssets {
  html: string;
  css: string;
  js: string;
  favicon: string;
}

const consoleDir = path.dirname(fileURLToPath(import.meta.url));

/** Build the console bundle (minified ES module) and read its page and stylesheet. */
export async function buildConsoleAssets(): Promise<ConsoleAssets> {
  const result = await build({
    entryPoints: [path.join(consoleDir, 'src', 'main.ts')],
    bundle: true,
    format: 'esm',
    minify: true,
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  const js = result.outputFiles[0]?.text ?? '';
  return {
    html: fs.readFileSync(path.join(consoleDir, 'index.html'), 'utf8'),
    css: fs.readFileSync(path.join(consoleDir, 'console.css'), 'utf8'),
    js,
    favicon: fs.readFileSync(path.join(consoleDir, 'favicon.svg'), 'utf8'),
  };
}

/** Answer a console request, or undefined when the path is not the console's. */
export function consoleResponse(assets: ConsoleAssets, pathname: string): Response | undefined {
  const headers = {
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  };
  if (pathname === '/console' || pathname === '/console/') {
    return new Response(assets.html, {
      headers: {
        ...headers,
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy':
          // Nothing from any other origin; a form the script did not take over posts nowhere (not even the token).
          "default-src 'self'; style-src 'self'; script-src 'self'; connect-src 'self'; img-src 'self'; " +
          "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
      },
    });
  }
  if (pathname === '/console/console.css')
    return new Response(assets.css, { headers: { ...headers, 'content-type': 'text/css' } });
  if (pathname === '/console/favicon.svg')
    return new Response(assets.favicon, { headers: { ...headers, 'content-type': 'image/svg+xml' } });
  if (pathname === '/console/console.js') {
    return new Response(assets.js, {
      headers: { ...headers, 'content-type': 'text/javascript; charset=utf-8' },
    });
  }
  return undefined;
}
