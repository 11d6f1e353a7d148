/**
 * Signal cursors: the position of a subscriber in the log, as the next (offset, signal index) per topic
 * partition of the topics signals derive from. Opaque to clients (base64url JSON), versioned.
 */

/** Position per `<topic>#<partition>`: [offset, index] of the next signal to deliver. */
export type SignalPosition = Record<string, [number, number]>;

/** Key of a topic partition in a position. */
export function positionKey(topic: string, partition: number): string {
  return `${topic}#${partition}`;
}

/** Whether the signal at (offset, index) comes before the position of its partition (was delivered). */
export function isBefore(position: SignalPosition, key: string, offset: number, index: number): boolean {
  const next = position[key];
  if (next === undefined) return false;
  return offset < next[0] || (offset === next[0] && index < next[1]);
}

/** Encode a position as an opaque cursor. */
export function encodeCursor(position: SignalPosition): string {
  return Buffer.from(JSON.stringify({ v: 1, p: position }), 'utf8').toString('base64url');
}

/** Decode a cursor; null when it is not one of ours. */
export function decodeCursor(cursor: string): SignalPosition | null {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as {
      v?: unknown;
      p?: unknown;
    };
    if (parsed.v !== 1 || typeof parsed.p !== 'object' || parsed.p === null) return null;
    const position: SignalPosition = {};
    for (const [key, value] of Object.entries(parsed.p as Record<string, unknown>)) {
      if (
        !Array.isArray(value) ||
        value.length !== 2 ||
        !value.every((n) => Number.isSafeInteger(n) && (n as number) >= 0) ||
        !/^[a-z.-]+#\d+$/.test(key)
      ) {
        return null;
      }
      position[key] = [value[0] as number, value[1] as number];
    }
    return position;
  } catch {
    return null;
  }
}

/** Offset-based cursors for Relay pagination over ordered lists. */
export function encodeListCursor(kind: string, id: string | number): string {
  return Buffer.from(`${kind}:${id}`, 'utf8').toString('base64url');
}

/** Decode a list cursor of `kind`; null when malformed. */
export function decodeListCursor(kind: string, cursor: string): string | null {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  return text.startsWith(`${kind}:`) ? text.slice(kind.length + 1) : null;
}
