/** Temporary folders for tests that need real files (SQLite databases, broker data). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A new empty folder under the system temp dir, e.g. `/tmp/cleanroom-log-AbC123`. */
export function createTempDir(prefix = 'test'): string {
  return mkdtempSync(join(tmpdir(), `cleanroom-${prefix}-`));
}

/** Removes a folder made by {@link createTempDir} (missing is fine). */
export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
