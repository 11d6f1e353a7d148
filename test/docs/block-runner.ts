/**
 * Runs one guide block the way a reader would: `sh` with bash, `ts` with tsx, `graphql` over HTTP POST (queries and
 * mutations) or graphql-ws (subscriptions, until the first event).
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'graphql';
import type { OperationDefinitionNode } from 'graphql';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import type { GuideBlock } from './guide-blocks.ts';

/** What a process block left behind. */
export interface ProcessResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

/** What a graphql block answered. */
export interface GraphqlResult {
  data: unknown;
  errors: Array<{ message: string; extensions?: { code?: unknown } }>;
}

/** Where and with what a block runs. */
export interface BlockEnvironment {
  /** Working folder of `sh` and `ts` blocks (holds links to the project's bin, node_modules, examples). */
  workDir: string;
  env: NodeJS.ProcessEnv;
  /** `http://127.0.0.1:PORT/graphql` */
  graphqlUrl: string;
  timeoutMs: number;
}

/** Run a command, killing its whole process group after `timeoutMs`. */
export function runProcess(
  command: string,
  args: string[],
  environment: Pick<BlockEnvironment, 'workDir' | 'env' | 'timeoutMs'>,
): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: environment.workDir,
      env: environment.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer = setTimeout(() => {
      stderr += `\n[killed after ${environment.timeoutMs} ms]`;
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    }, environment.timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (exitCode) => {
      clearTimeout(timer);
      resolve({ exitCode, stdout, stderr });
    });
  });
}

/** Run an `sh` block with bash, stopping at the first failing command (`-e -o pipefail`). */
export function runShellBlock(block: GuideBlock, environment: BlockEnvironment): Promise<ProcessResult> {
  return runProcess('bash', ['-e', '-o', 'pipefail', '-c', block.code], environment);
}

/** Run a `ts` block as an ES module file with tsx. */
export function runTypeScriptBlock(block: GuideBlock, environment: BlockEnvironment): Promise<ProcessResult> {
  const name = `${path.basename(block.file, '.md')}-${block.line}.mts`;
  const file = path.join(environment.workDir, name);
  writeFileSync(file, `${block.code}\n`);
  return runProcess(process.execPath, ['--import', 'tsx', file], environment);
}

function operationOf(code: string): OperationDefinitionNode['operation'] {
  const operations = parse(code).definitions.filter(
    (definition): definition is OperationDefinitionNode => definition.kind === 'OperationDefinition',
  );
  if (operations.length !== 1) throw new Error('a graphql block must hold exactly one operation');
  return operations[0]!.operation;
}

async function postOperation(code: string, url: string, token: string | undefined): Promise<GraphqlResult> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    body: JSON.stringify({ query: code }),
  });
  const body = (await response.json()) as { data?: unknown; errors?: GraphqlResult['errors'] };
  return { data: body.data ?? null, errors: body.errors ?? [] };
}

async function firstSubscriptionEvent(
  code: string,
  url: string,
  token: string | undefined,
  timeoutMs: number,
): Promise<GraphqlResult> {
  const client = createClient({
    url: url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    connectionParams: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    const first = (async (): Promise<GraphqlResult> => {
      for await (const result of client.iterate({ query: code })) {
        return { data: result.data ?? null, errors: (result.errors ?? []) as GraphqlResult['errors'] };
      }
      return { data: null, errors: [{ message: 'the subscription completed without an event' }] };
    })();
    const timeout = new Promise<GraphqlResult>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no subscription event within ${timeoutMs} ms`)), timeoutMs);
    });
    return await Promise.race([first, timeout]);
  } catch (error) {
    // graphql-ws rejects with the GraphQL errors of a refused subscription.
    if (Array.isArray(error)) return { data: null, errors: error as GraphqlResult['errors'] };
    throw error;
  } finally {
    clearTimeout(timer);
    await client.dispose();
  }
}

/** Run a `graphql` block as `token`'s principal (no token: anonymous). */
export function runGraphqlBlock(
  block: GuideBlock,
  environment: BlockEnvironment,
  token: string | undefined,
): Promise<GraphqlResult> {
  return operationOf(block.code) === 'subscription'
    ? firstSubscriptionEvent(block.code, environment.graphqlUrl, token, environment.timeoutMs)
    : postOperation(block.code, environment.graphqlUrl, token);
}
