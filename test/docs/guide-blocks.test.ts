/** The guides' block extraction: markers are read exactly, and a runnable block without one is visible as such. */
import { describe, expect, it } from 'vitest';
import { extractBlocks, parseMarker } from './guide-blocks.ts';

const fence = '```';

describe('parseMarker', () => {
  it('reads bare, quoted and flag keys', () => {
    expect(parseMarker(' as=fresh-oats capture=CURSOR expect-stdout="^a \\"b\\" \\d+$" ')).toEqual({
      server: false,
      as: 'fresh-oats',
      capture: 'CURSOR',
      expectStdout: '^a "b" \\d+$',
    });
    expect(parseMarker('server')).toEqual({ server: true });
    expect(parseMarker('as=burger-barn demo')).toEqual({ server: false, as: 'burger-barn', demo: true });
    expect(parseMarker('')).toEqual({ server: false });
    expect(parseMarker('expect-error=FORBIDDEN skip-reason="covered by test/x.test.ts"')).toEqual({
      server: false,
      expectError: 'FORBIDDEN',
      skipReason: 'covered by test/x.test.ts',
    });
  });

  it('refuses unknown keys and keys without a value', () => {
    expect(() => parseMarker('as=dpo sudo')).toThrow("unknown marker key 'sudo'");
    expect(() => parseMarker('as')).toThrow("marker key 'as' needs a value");
    expect(() => parseMarker('capture=""')).toThrow("marker key 'capture' needs a value");
  });
});

describe('extractBlocks', () => {
  const markdown = [
    '# Guide',
    '<!-- run: as=dpo -->',
    `${fence}graphql`,
    '{ me { id } }',
    `${fence}`,
    '',
    `${fence}json`,
    '{ "not": "runnable" }',
    `${fence}`,
    'text between',
    '',
    `${fence}sh`,
    'echo unmarked',
    `${fence}`,
    '<!-- run: expect-stdout="^two$" -->',
    '',
    `${fence}bash`,
    'echo one',
    'echo two',
    `${fence}`,
  ].join('\n');

  it('keeps runnable blocks in order with their markers and lines', () => {
    const blocks = extractBlocks(markdown, 'guide.md');
    expect(blocks.map((block) => [block.line, block.kind, block.code, block.marker])).toEqual([
      [3, 'graphql', '{ me { id } }', { server: false, as: 'dpo' }],
      [12, 'sh', 'echo unmarked', null],
      [17, 'sh', 'echo one\necho two', { server: false, expectStdout: '^two$' }],
    ]);
  });

  it('names the file and line of a bad marker or an unclosed fence', () => {
    expect(() => extractBlocks(`<!-- run: ass=dpo -->\n${fence}sh\necho\n${fence}\n`, 'a.md')).toThrow(
      "a.md:1: unknown marker key 'ass'",
    );
    expect(() => extractBlocks(`text\n${fence}ts\nconst x = 1;\n`, 'b.md')).toThrow(
      'b.md:2: unclosed code fence',
    );
  });
});
