/**
 * The walls of the layout are lint rules (eslint.config.js): fixture files that cross each wall, and one that
 * breaks the promise rules, fail lint with the wall's message; a file inside the walls passes; and the composed
 * options of every area still hold the walls every file keeps (no override dropped one). The fixtures are
 * excluded from the normal lint run and linted here through ESLint's Node API.
 */
import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const fixture = (name: string): string => path.join(root, 'test/lint/fixtures', name);

async function lint(file: string): Promise<Array<{ ruleId: string | null; message: string }>> {
  const eslint = new ESLint({ cwd: root, ignore: false });
  const [result] = await eslint.lintFiles([file]);
  return result!.messages.map(({ ruleId, message }) => ({ ruleId, message }));
}

describe('the walls of the layout', () => {
  it.each([
    ['schema/imports-policies.ts', 'schema/ depends on nothing'],
    ['policies/imports-processors.ts', 'never depend on processors/'],
    ['processors/imports-gateway.ts', 'Only the gateway and the command line use gateway/'],
    ['processors/imports-raw-identifier.ts', 'No raw identifier after ingest'],
    ['processors/imports-processor-internals.ts', 'through its index.ts'],
    ['gateway/imports-ingest.ts', 'it never imports a processor, ingest or the pipeline'],
  ])('refuses %s', async (file, wall) => {
    const messages = await lint(fixture(file));
    expect(messages).toContainEqual({
      ruleId: 'no-restricted-imports',
      message: expect.stringContaining(wall),
    });
  });

  it('lets the gateway import the log', async () => {
    expect(await lint(fixture('gateway/imports-the-log.ts'))).toEqual([]);
  });

  it('refuses a floating promise and a promise where a void function is expected', async () => {
    const rules = (await lint(fixture('floating-promise.ts'))).map((message) => message.ruleId);
    expect(rules).toContain('@typescript-eslint/no-floating-promises');
    expect(rules).toContain('@typescript-eslint/no-misused-promises');
  });

  it.each([
    'schema/events.ts',
    'policies/engine.ts',
    'policies/identity/hash.ts',
    'processors/runtime/processor-host.ts',
    'processors/ingest/ingest.ts',
    'gateway/server.ts',
    'simulator/index.ts',
    'bin/commands/serve.ts',
    'bench/run.ts',
    'test/gateway/server.test.ts',
    'test/e2e/quickstart.test.ts',
  ])('keeps the walls every file keeps in the composed options for %s', async (file) => {
    const config = (await new ESLint({ cwd: root }).calculateConfigForFile(path.join(root, file))) as {
      rules: Record<string, [number, { patterns: Array<{ message: string }> }]>;
    };
    const messages = config.rules['no-restricted-imports']![1].patterns.map((pattern) => pattern.message);
    expect(messages).toContainEqual(expect.stringContaining('through its index.ts'));
    if (!file.startsWith('policies/'))
      expect(messages).toContainEqual(expect.stringContaining('policies/identity'));
    const rawAllowed = ['policies/identity/', 'processors/ingest/', 'simulator/'].some((dir) =>
      file.startsWith(dir),
    );
    expect(messages.some((message) => message.startsWith('No raw identifier after ingest'))).toBe(
      !rawAllowed,
    );
  });
});
