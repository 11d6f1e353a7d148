/** The benchmark suites, in the order they run. */
import type { Suite } from '../types.ts';

export const SUITES: Suite[] = [];
