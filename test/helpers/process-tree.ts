/**
 * What runs under a process, read from Linux's /proc: the tests that stop the product with a signal check that
 * nothing it started is left behind.
 */
import fs from 'node:fs';
import net from 'node:net';

/** One running process. */
export interface ProcessInfo {
  pid: number;
  ppid: number;
  pgid: number;
  /** Process state letter (`Z` is a zombie: exited, not yet reaped). */
  state: string;
  command: string;
}

function readStat(pid: number): ProcessInfo | undefined {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined; // gone between the listing and the read
  }
  // `pid (comm) state ppid pgrp ...`; comm may hold spaces and parentheses, so split at the last ')'.
  const close = stat.lastIndexOf(')');
  const [state = '', ppid = '', pgid = ''] = stat.slice(close + 2).split(' ');
  let command = stat.slice(stat.indexOf('(') + 1, close);
  try {
    command = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim() || command;
  } catch {
    // keep the short name
  }
  return { pid, ppid: Number(ppid), pgid: Number(pgid), state, command };
}

/** Every process now running (zombies included). */
export function listProcesses(): ProcessInfo[] {
  return fs
    .readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map((name) => readStat(Number(name)))
    .filter((info): info is ProcessInfo => info !== undefined);
}

/** `pid` and every process below it (children, their children, ...). */
export function processTree(pid: number): ProcessInfo[] {
  const all = listProcesses();
  const tree = all.filter((info) => info.pid === pid);
  for (let index = 0; index < tree.length; index += 1) {
    const parent = tree[index]!.pid;
    for (const info of all) if (info.ppid === parent && !tree.includes(info)) tree.push(info);
  }
  return tree;
}

/** Which of `pids` still run (a zombie has exited and holds nothing, so it does not count). */
export function stillRunning(pids: readonly number[]): ProcessInfo[] {
  return pids
    .map((pid) => readStat(pid))
    .filter((info): info is ProcessInfo => info !== undefined && info.state !== 'Z');
}

/** Members of process group `pgid` that still run. */
export function processGroup(pgid: number): ProcessInfo[] {
  return listProcesses().filter((info) => info.pgid === pgid && info.state !== 'Z');
}

/** Whether something accepts connections on `host:port`. */
export function portAnswers(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Whether this process can listen on `host:port` (nobody holds it). */
export function portIsFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}
