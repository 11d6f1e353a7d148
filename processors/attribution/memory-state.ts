/** Where the attribution engine keeps its state: in memory, or (see stages.ts) a processor's keyed state. */
import { createAggregateStore } from './aggregates.ts';
import type { AggregateRow, RowAccess } from './aggregates.ts';
import type { SubjectState } from './state.ts';

/** Where the engine keeps subjects and aggregate rows (a map in memory, or a processor's keyed state). */
export interface AttributionStateAccess {
  getSubject(subjectId: string): SubjectState | undefined;
  putSubject(subjectId: string, subject: SubjectState): void;
  deleteSubject(subjectId: string): void;
  rows: RowAccess;
  /** Every subject id (for campaign recomputation and pruning); absent where keys cannot be listed. */
  subjectIds?(): Iterable<string>;
}

/** The JSON form of an in-memory engine's state. */
export interface AttributionSnapshot {
  subjects: [string, SubjectState][];
  rows: Record<string, AggregateRow>;
}

/** In-memory state, optionally resumed from a snapshot. */
export function createMemoryAttributionState(snapshot?: AttributionSnapshot): AttributionStateAccess & {
  snapshot(): AttributionSnapshot;
} {
  const subjects = new Map<string, SubjectState>(structuredClone(snapshot?.subjects ?? []));
  const rows: Record<string, AggregateRow> = structuredClone(snapshot?.rows ?? {});
  const rowStore = createAggregateStore(rows);
  return {
    getSubject: (subjectId) => subjects.get(subjectId),
    putSubject: (subjectId, subject) => void subjects.set(subjectId, subject),
    deleteSubject: (subjectId) => void subjects.delete(subjectId),
    rows: rowStore.rows,
    subjectIds: () => [...subjects.keys()],
    snapshot: () => structuredClone({ subjects: [...subjects], rows }),
  };
}
