/**
 * In-process wake-ups of the embedded log: a producer's commit wakes every consumer of the topic in this
 * process at once, and a group change wakes the group's members. One emitter per database file, so two log
 * handles on the same file in one process still wake each other. Other processes rely on polling.
 */
import { EventEmitter } from 'node:events';
import { resolve } from 'node:path';

const emitters = new Map<string, { emitter: EventEmitter; users: number }>();

/** The wake-up channel of one database file. */
export interface EmbeddedWakeups {
  appended(topic: string): void;
  groupChanged(groupId: string): void;
  /** Calls `onAppend` on appends to any of `topics` and `onGroupChange` on changes of `groupId`. */
  subscribe(
    topics: readonly string[],
    groupId: string,
    onAppend: () => void,
    onGroupChange: () => void,
  ): () => void;
  release(): void;
}

/** Opens the wake-up channel of the database at `path` (shared by every handle of that file). */
export function openEmbeddedWakeups(path: string): EmbeddedWakeups {
  const name = path === ':memory:' ? `memory:${emitters.size}:${Date.now()}` : resolve(path);
  let entry = emitters.get(name);
  if (!entry) {
    const emitter = new EventEmitter();
    emitter.setMaxListeners(0);
    entry = { emitter, users: 0 };
    emitters.set(name, entry);
  }
  entry.users += 1;
  const { emitter } = entry;
  let released = false;
  return {
    appended: (topic) => emitter.emit(`topic:${topic}`),
    groupChanged: (groupId) => emitter.emit(`group:${groupId}`),
    subscribe(topics, groupId, onAppend, onGroupChange) {
      const events = topics.map((topic) => `topic:${topic}`);
      for (const event of events) emitter.on(event, onAppend);
      emitter.on(`group:${groupId}`, onGroupChange);
      return () => {
        for (const event of events) emitter.off(event, onAppend);
        emitter.off(`group:${groupId}`, onGroupChange);
      };
    },
    release() {
      if (released) return;
      released = true;
      const current = emitters.get(name);
      if (current && (current.users -= 1) === 0) emitters.delete(name);
    },
  };
}
