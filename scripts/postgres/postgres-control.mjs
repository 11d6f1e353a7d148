// Start and stop a throwaway PostgreSQL server for the tests and benchmarks of a cluster (the control plane of
// gateway replicas). It uses the PostgreSQL server binaries already installed (PATH, or Debian's and the PGDG
// packages' versioned folders); a user who has a server of their own sets CLEANROOM_TEST_DATABASE_URL instead.
// Plain Node ESM.
import { spawn, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

/** Folders that hold a PostgreSQL's server binaries, newest version first (Debian and PGDG layout). */
function candidateBinDirs() {
  const dirs = [];
  for (const root of ['/usr/lib/postgresql', '/usr/pgsql']) {
    if (!existsSync(root)) continue;
    const versions = readdirSync(root)
      .filter((name) => /^\d+$/.test(name))
      .sort((a, b) => Number(b) - Number(a));
    for (const version of versions) dirs.push(join(root, version, 'bin'));
  }
  return dirs;
}

/** The folder holding `initdb`, `pg_ctl` and `postgres`, or undefined. */
export function findPostgresBinDir() {
  const which = spawnSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' });
  const onPath = which.status === 0 ? which.stdout.trim().replace(/\/initdb$/, '') : undefined;
  for (const dir of [onPath, ...candidateBinDirs()]) {
    if (dir && ['initdb', 'pg_ctl', 'postgres'].every((tool) => existsSync(join(dir, tool)))) return dir;
  }
  return undefined;
}

/** The unprivileged account a root process runs the server as (PostgreSQL refuses to run as root). */
function serverAccount() {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  const passwd = readFileSync('/etc/passwd', 'utf8').split('\n');
  for (const name of ['postgres', 'nobody']) {
    const fields = passwd.find((line) => line.startsWith(`${name}:`))?.split(':');
    if (fields) return { name, uid: Number(fields[2]), gid: Number(fields[3]) };
  }
  return undefined;
}

/** Why a throwaway server cannot start here, or undefined when it can. */
export function postgresUnavailableReason() {
  if (findPostgresBinDir() === undefined) {
    return 'no PostgreSQL server binaries (initdb, pg_ctl, postgres) were found: install PostgreSQL or set CLEANROOM_TEST_DATABASE_URL';
  }
  if (typeof process.getuid === 'function' && process.getuid() === 0 && serverAccount() === undefined) {
    return 'running as root and no unprivileged account (postgres, nobody) exists to run the server';
  }
  return undefined;
}

/** Run a server tool, as the unprivileged account when this process is root. */
function runTool(binDir, tool, args, account, options = {}) {
  const command = join(binDir, tool);
  const [file, argv] =
    account === undefined ? [command, args] : ['runuser', ['-u', account.name, '--', command, ...args]];
  return spawnSync(file, argv, { encoding: 'utf8', ...options });
}

const WATCHDOG = `
const [parent, binDir, dir, account] = process.argv.slice(1);
const { spawnSync } = require('node:child_process');
const { rmSync } = require('node:fs');
const timer = setInterval(() => {
  try { process.kill(Number(parent), 0); return; } catch {}
  clearInterval(timer);
  const args = ['stop', '-D', dir + '/data', '-m', 'immediate', '-w'];
  if (account) spawnSync('runuser', ['-u', account, '--', binDir + '/pg_ctl', ...args]);
  else spawnSync(binDir + '/pg_ctl', args);
  rmSync(dir, { recursive: true, force: true });
}, 1000);
`;

/**
 * Initialise and start a server on 127.0.0.1:`port` with its files under `dir` (wiped first); trust
 * authentication for the `cleanroom` superuser on loopback only. With `stopWithParent` (a pid), a small
 * watchdog stops the server and removes `dir` when that process is gone.
 * @param {{ port: number, dir: string, stopWithParent?: number, timeoutMs?: number }} options
 * @returns {Promise<{ url: string, port: number, dir: string, version: string, startedInMs: number }>}
 */
export async function startPostgres(options) {
  const startedAt = Date.now();
  const binDir = findPostgresBinDir();
  if (binDir === undefined) throw new Error(postgresUnavailableReason());
  const account = serverAccount();
  const dir = resolve(options.dir);
  const dataDir = join(dir, 'data');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (account !== undefined) chownSync(dir, account.uid, account.gid);
  const init = runTool(
    binDir,
    'initdb',
    ['-D', dataDir, '-U', 'cleanroom', '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync'],
    account,
  );
  if (init.status !== 0) throw new Error(`initdb failed:\n${init.stdout}\n${init.stderr}`);
  writeFileSync(
    join(dataDir, 'postgresql.auto.conf'),
    [
      `port = ${options.port}`,
      "listen_addresses = '127.0.0.1'",
      `unix_socket_directories = '${dir}'`,
      'max_connections = 200',
      // A test server: its data is thrown away afterwards, so commits need not wait for the disk.
      'fsync = off',
      'synchronous_commit = off',
      'full_page_writes = off',
      '',
    ].join('\n'),
  );
  if (account !== undefined) chownSync(join(dataDir, 'postgresql.auto.conf'), account.uid, account.gid);
  const start = runTool(
    binDir,
    'pg_ctl',
    ['start', '-D', dataDir, '-l', join(dir, 'server.log'), '-w', '-t', '60'],
    account,
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  if (start.status !== 0) {
    const log = existsSync(join(dir, 'server.log')) ? readFileSync(join(dir, 'server.log'), 'utf8') : '';
    throw new Error(`pg_ctl start failed:\n${start.stdout}\n${start.stderr}\n${log.slice(-2000)}`);
  }
  if (options.stopWithParent !== undefined) {
    const watchdog = spawn(
      process.execPath,
      ['-e', WATCHDOG, String(options.stopWithParent), binDir, dir, account?.name ?? ''],
      { detached: true, stdio: 'ignore' },
    );
    watchdog.unref();
  }
  const version = spawnSync(join(binDir, 'postgres'), ['--version'], { encoding: 'utf8' }).stdout.trim();
  const deadline = startedAt + (options.timeoutMs ?? 60_000);
  while (!existsSync(join(dataDir, 'postmaster.pid'))) {
    if (Date.now() > deadline)
      throw new Error(`the PostgreSQL server did not start within ${options.timeoutMs ?? 60_000} ms`);
    await sleep(100);
  }
  return {
    url: `postgres://cleanroom@127.0.0.1:${options.port}/postgres`,
    port: options.port,
    dir,
    version,
    startedInMs: Date.now() - startedAt,
  };
}

/**
 * Stop the server started from `dir` (fast shutdown) and remove `dir`. Resolves to whether one was running.
 * @param {{ dir: string }} options
 * @returns {Promise<boolean>}
 */
export async function stopPostgres(options) {
  const dir = resolve(options.dir);
  const dataDir = join(dir, 'data');
  const binDir = findPostgresBinDir();
  let wasRunning = false;
  if (binDir !== undefined && existsSync(join(dataDir, 'postmaster.pid'))) {
    wasRunning = true;
    runTool(binDir, 'pg_ctl', ['stop', '-D', dataDir, '-m', 'fast', '-w', '-t', '30'], serverAccount());
  }
  rmSync(dir, { recursive: true, force: true });
  return wasRunning;
}
