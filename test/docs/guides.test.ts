/**
 * The guides cannot rot: every `sh`, `graphql` and `ts` block of docs/partner-guide.md, docs/privacy-officer-guide.md
 * and docs/operations.md runs here against the real product, started by the operations guide's own start command on
 * a fresh data folder and a free port.
 *
 * Marker convention. Every fenced block whose info string is `sh` (`bash`, `shell`), `graphql` (`gql`) or `ts`
 * (`typescript`) must have, on the nearest non-blank line above its fence, an HTML comment (invisible when rendered):
 *
 *     <!-- run: key=value key="value with spaces" flag -->
 *
 * - `as=PRINCIPAL`: run as a sample principal (`fresh-oats`, `sparkle-soda`, `burger-barn`, `dpo`, `host-ops`; its
 *   token is minted with `bin/cleanroom token`); `as=nobody` runs without a token. A `graphql` block needs `as`.
 *   `sh` and `ts` blocks get the token as `$TOKEN`.
 * - `expect-stdout="REGEX"`: the output (stdout) must match this multiline regular expression (`\"` is a quote).
 * - `expect-error=CODE`: a `graphql` block must fail, and every error must carry `extensions.code` CODE.
 * - `capture=NAME`: the last line of the block's output becomes `$NAME` for every later block.
 * - `skip-reason="..."`: the block is not run; only for what cannot run here (a Kafka broker, Java), and the reason
 *   must name the existing test file that exercises it.
 * - `server`: the block that starts the product (exactly one, in the operations guide); run in the background.
 * - `<!-- run: -->` with no key: just run it.
 *
 * How blocks run: `sh` with `bash -e -o pipefail` in a working folder that links the project's `bin`, `node_modules`,
 * `examples`, `schema` and `package.json` (so `./bin/cleanroom` works and nothing is written into the project); `ts`
 * as an `.mts` file there with `node --import tsx`; `graphql` queries and mutations by HTTP POST, subscriptions over
 * graphql-ws until their first event. Every block gets `CLEANROOM_URL` (`http://127.0.0.1:PORT`) and
 * `CLEANROOM_DATA_DIR` (the product's data folder); the audience upload takes the shipped sample file, whose shoppers
 * are the demo's first loyalty members, produced below.
 * A block passes when it exits 0 (or answers without GraphQL errors) and matches its expectations.
 *
 * The product runs without its simulator; the records the operations need are produced straight onto its embedded
 * log (product-data.ts), and new segment members and triggers trickle in for the live subscriptions.
 */
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOPICS } from '../../schema/index.ts';
import { createTempDir, removeTempDir } from '../helpers/temp-dir.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { runGraphqlBlock, runProcess, runShellBlock, runTypeScriptBlock } from './block-runner.ts';
import type { BlockEnvironment, ProcessResult } from './block-runner.ts';
import { extractBlocks } from './guide-blocks.ts';
import type { GuideBlock } from './guide-blocks.ts';
import { linkProjectInto, startGuideProduct } from './guide-product.ts';
import type { GuideProduct } from './guide-product.ts';
import { LOYALTY_MEMBERS, SEGMENT_MEMBERS, openProductData } from './product-data.ts';
import type { ProductData } from './product-data.ts';

const projectRoot = path.resolve(import.meta.dirname, '../..');
const GUIDES = ['docs/partner-guide.md', 'docs/privacy-officer-guide.md', 'docs/operations.md'];
const PRINCIPALS: Record<string, string> = {
  'fresh-oats': 'BRAND',
  'sparkle-soda': 'BRAND',
  'burger-barn': 'QSR',
  dpo: 'PRIVACY_OFFICER',
  'host-ops': 'HOST_ADMIN',
};
const BLOCK_TIMEOUT_MS = 30_000;
/** How the ts blocks must compile: strict, as ES modules for Node, with top-level await. */
const SNIPPET_COMPILER_OPTIONS = {
  strict: true,
  noUncheckedIndexedAccess: true,
  module: 'nodenext',
  moduleResolution: 'nodenext',
  target: 'es2023',
  lib: ['es2023'],
  types: ['node'],
  noEmit: true,
  skipLibCheck: true,
};

const texts = new Map(GUIDES.map((file) => [file, readFileSync(path.join(projectRoot, file), 'utf8')]));
const blocks = GUIDES.flatMap((file) => extractBlocks(texts.get(file) ?? '', file));
const runnable = (block: GuideBlock): boolean =>
  block.marker !== null && block.marker.skipReason === undefined && !block.marker.server;

describe('the guides, run against the product', () => {
  let workDir: string;
  let dataDir: string;
  let product: GuideProduct;
  let data: ProductData;
  const tokens = new Map<string, string>();
  const captured: Record<string, string> = {};
  let baseEnv: NodeJS.ProcessEnv;

  const environment = (extra: NodeJS.ProcessEnv = {}): BlockEnvironment => ({
    workDir,
    env: { ...baseEnv, ...captured, ...extra },
    graphqlUrl: product.graphqlUrl,
    timeoutMs: BLOCK_TIMEOUT_MS,
  });

  beforeAll(async () => {
    workDir = createTempDir('docs-work');
    dataDir = createTempDir('docs-data');
    linkProjectInto(workDir);
    baseEnv = { ...process.env, CLEANROOM_DATA_DIR: dataDir, PORT: '0' };
    for (const name of [
      'KAFKA_BROKERS',
      'TOKEN',
      'CURSOR',
      'CLEANROOM_URL',
      'CLEANROOM_HOST_SECRET',
      'AUDIENCE_FILE',
    ])
      delete baseEnv[name];

    const servers = blocks.filter((block) => block.marker?.server === true);
    expect(servers, 'exactly one block marked `server`').toHaveLength(1);
    product = await startGuideProduct(servers[0]!.code, { workDir, env: baseEnv, timeoutMs: 60_000 });
    baseEnv.CLEANROOM_URL = product.baseUrl;

    data = openProductData(dataDir);
    await data.seed();
    await waitFor(
      async () =>
        (await data.log.endOffsets(TOPICS.consent)).reduce((sum, n) => sum + n, 0) >=
        SEGMENT_MEMBERS + LOYALTY_MEMBERS,
      { timeout: 30_000, interval: 100, message: 'ingest to link the loyalty members' },
    );
    await waitFor(
      async () => (await data.log.endOffsets(TOPICS.campaignPauses)).reduce((sum, n) => sum + n, 0) >= 1,
      { timeout: 30_000, interval: 100, message: 'the inventory stage to pause the stock-out’s line' },
    );
    await waitFor(
      async () => {
        const state = (await (await fetch(`${product.baseUrl}/readyz`)).json()) as {
          lag: Record<string, number>;
        };
        return Object.values(state.lag).every((lag) => lag === 0);
      },
      { timeout: 30_000, interval: 100, message: 'the read models to catch up' },
    );
    data.startTrickle(250);

    const used = new Set(blocks.flatMap((block) => (block.marker?.as ? [block.marker.as] : [])));
    used.delete('nobody');
    await Promise.all(
      [...used].map(async (principal) => {
        const role = PRINCIPALS[principal];
        if (role === undefined) return;
        const minted = await runProcess(
          './bin/cleanroom',
          ['token', '--partner', principal, '--role', role],
          {
            workDir,
            env: baseEnv,
            timeoutMs: BLOCK_TIMEOUT_MS,
          },
        );
        expect(minted.exitCode, minted.stderr).toBe(0);
        tokens.set(principal, minted.stdout.trim());
      }),
    );
  }, 150_000);

  afterAll(async () => {
    try {
      await data?.close();
      await product?.stop(5_000);
    } finally {
      if (workDir !== undefined) removeTempDir(workDir);
      if (dataDir !== undefined) removeTempDir(dataDir);
    }
    // Ctrl-C, as the operations guide promises, stops the product cleanly.
    if (product !== undefined)
      expect(product.stdout(), product.stderr().slice(-3000)).toContain('stopped cleanly');
  });

  it('marks every runnable block, with known principals and covered skips', () => {
    expect(blocks.length).toBeGreaterThan(30);
    for (const block of blocks) {
      const where = `${block.file}:${block.line}`;
      expect(block.marker, `${where}: a ${block.kind} block needs a <!-- run: ... --> marker`).not.toBeNull();
      const marker = block.marker!;
      if (block.kind === 'graphql') expect(marker.as, `${where}: a graphql block needs as=`).toBeDefined();
      if (marker.as !== undefined && marker.as !== 'nobody')
        expect(Object.keys(PRINCIPALS), where).toContain(marker.as);
      if (marker.skipReason !== undefined) {
        const named = marker.skipReason.match(/test\/\S+\.test\.ts/g) ?? [];
        expect(named.length, `${where}: a skip-reason names the test that covers the block`).toBeGreaterThan(
          0,
        );
        for (const file of named)
          expect(existsSync(path.join(projectRoot, file)), `${where}: ${file}`).toBe(true);
      }
    }
  });

  it('type-checks every ts block (strict, as a reader compiles it)', async () => {
    const snippetsDir = path.join(workDir, 'typecheck');
    mkdirSync(snippetsDir);
    symlinkSync(path.join(projectRoot, 'node_modules'), path.join(snippetsDir, 'node_modules'));
    const typescriptBlocks = blocks.filter((block) => block.kind === 'ts');
    for (const block of typescriptBlocks) {
      writeFileSync(
        path.join(snippetsDir, `${path.basename(block.file, '.md')}-${block.line}.mts`),
        block.code,
      );
    }
    writeFileSync(
      path.join(snippetsDir, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: SNIPPET_COMPILER_OPTIONS }),
    );
    const checked = await runProcess(process.execPath, ['node_modules/typescript/bin/tsc', '-p', '.'], {
      workDir: snippetsDir,
      env: baseEnv,
      timeoutMs: 60_000,
    });
    expect(typescriptBlocks.length).toBeGreaterThan(0);
    expect(checked.exitCode, checked.stdout + checked.stderr).toBe(0);
  }, 70_000);

  it('lists exactly the metrics /metrics exports', async () => {
    const documented = [
      ...(texts.get('docs/operations.md') ?? '').matchAll(/^\| `(cleanroom_[a-z_]+)` \|/gm),
    ].map((match) => match[1]);
    const exported = [
      ...(
        await (
          await fetch(`${product.baseUrl}/metrics`, {
            headers: { authorization: `Bearer ${tokens.get('host-ops') ?? ''}` },
          })
        ).text()
      ).matchAll(/^# TYPE (cleanroom_\w+) /gm),
    ].map((match) => match[1]);
    expect(documented.sort()).toEqual(exported.sort());
  });

  it('lists exactly the consumer groups the product runs', () => {
    const documented = [
      ...(texts.get('docs/operations.md') ?? '').matchAll(/^\| `(cleanroom[.-][a-z.-]+)` \|/gm),
    ].map((match) => match[1]);
    const db = new Database(path.join(dataDir, 'log.sqlite'), { readonly: true });
    try {
      const rows = db.prepare('SELECT DISTINCT group_id FROM log_group_members').all() as Array<{
        group_id: string;
      }>;
      // Per-process groups end in a random uuid; the guide names them in prose.
      const running = rows
        .map((row) => row.group_id)
        .filter((group) => !/[0-9a-f]{8}-[0-9a-f]{4}-/.test(group));
      expect(documented.sort()).toEqual(running.sort());
    } finally {
      db.close();
    }
  });

  for (const file of GUIDES) {
    describe(file, () => {
      for (const block of blocks.filter((candidate) => candidate.file === file && runnable(candidate))) {
        const marker = block.marker!;
        const title = `${file}:${block.line} ${block.kind}${marker.as ? ` as ${marker.as}` : ''}`;
        it(
          title,
          async () => {
            const token = marker.as === undefined ? undefined : tokens.get(marker.as);
            const env = environment(token === undefined ? {} : { TOKEN: token });
            if (block.kind === 'graphql') {
              const result = await runGraphqlBlock(block, env, token);
              if (marker.expectError !== undefined) {
                expect(result.errors.length, JSON.stringify(result)).toBeGreaterThan(0);
                for (const error of result.errors)
                  expect(error.extensions?.code, error.message).toBe(marker.expectError);
              } else {
                expect(result.errors, JSON.stringify(result.errors)).toEqual([]);
                expect(result.data).not.toBeNull();
              }
              return;
            }
            const result: ProcessResult =
              block.kind === 'sh' ? await runShellBlock(block, env) : await runTypeScriptBlock(block, env);
            const output = `exit ${result.exitCode}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;
            expect(result.exitCode, output).toBe(0);
            if (marker.expectStdout !== undefined)
              expect(result.stdout, output).toMatch(new RegExp(marker.expectStdout, 'm'));
            if (marker.capture !== undefined) {
              const last = result.stdout.trim().split('\n').at(-1)?.trim() ?? '';
              expect(last, `${title}: nothing to capture`).not.toBe('');
              captured[marker.capture] = last;
            }
          },
          45_000,
        );
      }
    });
  }
});
