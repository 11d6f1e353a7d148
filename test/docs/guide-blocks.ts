/**
 * Extracts the runnable blocks of a guide. See guides.test.ts for the marker convention.
 */

/** Info strings of fenced blocks that are runnable, by the runner that runs them. */
export const RUNNABLE_LANGUAGES: Record<string, GuideBlock['kind']> = {
  sh: 'sh',
  bash: 'sh',
  shell: 'sh',
  graphql: 'graphql',
  gql: 'graphql',
  ts: 'ts',
  typescript: 'ts',
};

/** What a `<!-- run: ... -->` marker says. */
export interface RunMarker {
  /** The principal to run as (`nobody`: without a token). */
  as?: string;
  /** A regular expression (multiline) the block's output must match. */
  expectStdout?: string;
  /** The `extensions.code` every error of a graphql block must carry (and there must be errors). */
  expectError?: string;
  /** Environment variable that receives the last line of the block's output, for later blocks. */
  capture?: string;
  /** Why the block is not run; must name the test file that exercises it instead. */
  skipReason?: string;
  /** This block starts the product (run in the background by the test). */
  server: boolean;
  /**
   * The block depends on the live demo (its simulator and planted surges): guides-demo.test.ts also runs it against
   * `npm start` as the README starts it, late in the demo's first minutes.
   */
  demo?: boolean;
}

/** A fenced block of a guide. */
export interface GuideBlock {
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  kind: 'sh' | 'graphql' | 'ts';
  code: string;
  /** Null when the block has no marker (an error for a runnable block). */
  marker: RunMarker | null;
}

const KNOWN_KEYS = new Set([
  'as',
  'expect-stdout',
  'expect-error',
  'capture',
  'skip-reason',
  'server',
  'demo',
]);

/**
 * Parse the inside of a marker comment: `key=value`, `key="value with spaces"` (`\"` stands for a quote; other backslashes are kept, as regexes need them) and bare
 * flags.
 *
 * @throws Error naming the unknown key or the malformed text.
 */
export function parseMarker(text: string): RunMarker {
  const marker: RunMarker = { server: false };
  const pattern = /([a-z-]+)(?:=(?:"((?:[^"\\]|\\.)*)"|(\S+)))?/gy;
  let rest = text.trim();
  while (rest.length > 0) {
    pattern.lastIndex = 0;
    const match = pattern.exec(rest);
    if (match === null) throw new Error(`cannot read the marker at: ${rest}`);
    const [whole, key = '', quoted, bare] = match;
    if (!KNOWN_KEYS.has(key)) throw new Error(`unknown marker key '${key}'`);
    const value = quoted !== undefined ? quoted.replaceAll('\\"', '"') : bare;
    if (key === 'server') marker.server = true;
    else if (key === 'demo') marker.demo = true;
    else if (value === undefined || value === '') throw new Error(`marker key '${key}' needs a value`);
    else if (key === 'as') marker.as = value;
    else if (key === 'expect-stdout') marker.expectStdout = value;
    else if (key === 'expect-error') marker.expectError = value;
    else if (key === 'capture') marker.capture = value;
    else marker.skipReason = value;
    rest = rest.slice(whole.length).trimStart();
  }
  return marker;
}

/**
 * The runnable fenced blocks of a Markdown text, in document order, each with the marker on the nearest non-blank
 * line above its fence (if that line is a `<!-- run: ... -->` comment).
 */
export function extractBlocks(markdown: string, file: string): GuideBlock[] {
  const lines = markdown.split('\n');
  const blocks: GuideBlock[] = [];
  for (let index = 0; index < lines.length; index++) {
    const open = /^```(\S*)\s*$/.exec(lines[index] ?? '');
    if (open === null) continue;
    const end = lines.findIndex((line, at) => at > index && /^```\s*$/.test(line));
    if (end === -1) throw new Error(`${file}:${index + 1}: unclosed code fence`);
    const kind = RUNNABLE_LANGUAGES[open[1] ?? ''];
    if (kind !== undefined) {
      let above = index - 1;
      while (above >= 0 && (lines[above] ?? '').trim() === '') above -= 1;
      const comment = /^<!--\s*run:(.*?)-->\s*$/.exec(lines[above] ?? '');
      let marker: RunMarker | null = null;
      if (comment !== null) {
        try {
          marker = parseMarker(comment[1] ?? '');
        } catch (error) {
          throw new Error(`${file}:${above + 1}: ${(error as Error).message}`);
        }
      }
      blocks.push({ file, line: index + 1, kind, code: lines.slice(index + 1, end).join('\n'), marker });
    }
    index = end;
  }
  return blocks;
}
