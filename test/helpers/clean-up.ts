/** What a test starts and the folders it makes, undone after each test of the file that asks for it. */
import { afterEach } from 'vitest';
import { createTempDir, removeTempDir } from './temp-dir.ts';

/** Registers what to undo after the current test. */
export interface CleanUp {
  /** A new temp folder, removed after the test (once everything registered with `onStop` has stopped). */
  tempDir(prefix: string): string;
  /** Stops `stop` after the test; stops run newest first. */
  onStop(stop: () => Promise<void>): void;
}

/**
 * Call in a `describe` (or at the top of a file): after each test, stops what was registered, newest first, then
 * removes the temp folders.
 *
 * @example
 * const cleanUp = cleanUpAfterEach();
 * it('...', async () => { const log = createEmbeddedLog({ path: `${cleanUp.tempDir('x')}/log.sqlite` }); cleanUp.onStop(() => log.close()); });
 */
export function cleanUpAfterEach(): CleanUp {
  const stops: Array<() => Promise<void>> = [];
  const dirs: string[] = [];
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
    for (const dir of dirs.splice(0)) removeTempDir(dir);
  });
  return {
    tempDir(prefix) {
      const dir = createTempDir(prefix);
      dirs.push(dir);
      return dir;
    },
    onStop(stop) {
      stops.push(stop);
    },
  };
}
