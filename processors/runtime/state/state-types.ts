/** The value types of a state store (processors/runtime/state). */

/** A timer stored in the state store. */
export interface StoredTimer {
  /** Event time (ms) the watermark must reach for the timer to fire. */
  time: number;
  key: string;
  name: string;
}

/** An output persisted with its batch and produced after the transaction commits. */
export interface OutboxEntry {
  sequence: number;
  topic: string;
  key: string | null;
  value: string;
  outputId: string;
  /** A pinned partition, or null to partition by key. */
  partition: number | null;
}

/** A stored input offset: the next one to read. */
export interface StoredOffset {
  topic: string;
  partition: number;
  offset: number;
}
