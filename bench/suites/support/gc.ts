/** A full garbage collection before a memory reading, without asking the caller to start node with --expose-gc. */
import v8 from 'node:v8';
import vm from 'node:vm';

let collect: (() => void) | undefined;

/** Run a full GC (exposed once through V8's flag, as `node --expose-gc` would). */
export function forceGc(): void {
  if (collect === undefined) {
    v8.setFlagsFromString('--expose-gc');
    collect = vm.runInNewContext('gc') as () => void;
  }
  collect();
}
