/**
 * A Map that remembers which keys may have changed since it was last drained, so a store can write only
 * those. Reading a key counts as a possible change: rules mutate the arrays and objects they read in place.
 */
export class TrackedMap<V> extends Map<string, V> {
  private readonly changed = new Set<string>();

  constructor(entries?: Iterable<readonly [string, V]>) {
    super();
    if (entries !== undefined) for (const [key, value] of entries) super.set(key, value);
  }

  override get(key: string): V | undefined {
    const value = super.get(key);
    if (value !== undefined) this.changed.add(key);
    return value;
  }

  override set(key: string, value: V): this {
    this.changed.add(key);
    return super.set(key, value);
  }

  override delete(key: string): boolean {
    this.changed.add(key);
    return super.delete(key);
  }

  /** Marks a key changed (after mutating a value reached by iteration). */
  touch(key: string): void {
    this.changed.add(key);
  }

  /** The keys changed since the last drain, each with its value now (undefined when deleted). */
  drainChanges(): Array<[string, V | undefined]> {
    const changes: Array<[string, V | undefined]> = [...this.changed].map((key) => [key, super.get(key)]);
    this.changed.clear();
    return changes;
  }
}
