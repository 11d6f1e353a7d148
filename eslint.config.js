// @ts-check
/**
 * Lint, and the walls of the layout (DESIGN.md section 3, docs/architecture.md) as rules.
 *
 * Every file belongs to exactly ONE area below, and its area's block is the only one that sets
 * `no-restricted-imports` for it: in a flat config a later block's options replace an earlier one's, so the
 * walls are composed here per area (the common walls plus the area's own) rather than layered, and no
 * override can drop a wall. test/lint/walls.test.ts checks the composed options of every area and lints
 * fixture files that cross each wall.
 */
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** The raw-identifier functions of policies/identity: only ingest, identity itself and the simulator use them. */
const RAW_IDENTIFIER_FUNCTIONS = [
  'normalizeEmail',
  'normalizePhone',
  'hashEmail',
  'hashPhone',
  'hashLoyaltyId',
  'hashDeviceId',
  'hashIdentifiers',
];

const wall = (group, message) => ({ group, message });

const SWALLOWED =
  'A swallowed error: handle it with a named function that says why nothing is lost, or log it with its context.';

/** Walls every area keeps. */
const COMMON = [
  wall(
    ['**/policies/identity/*', '!**/policies/identity/index.ts'],
    'Raw identifiers are handled only by policies/identity. Import its public face, policies/index.ts.',
  ),
  wall(
    ['**/processors/*/*', '!**/processors/*/index.ts', '!**/processors/index.ts'],
    "Import a processor area through its index.ts; its other files are the area's own.",
  ),
];

const NOT = {
  policies: wall(
    ['**/policies/**'],
    'schema/ depends on nothing: it is the contract everything else follows.',
  ),
  processorsFromSchemaOrPolicies: wall(
    ['**/processors/**'],
    'schema/ and policies/ never depend on processors/ (imports flow schema <- policies <- processors).',
  ),
  gateway: wall(
    ['**/gateway/**'],
    'Only the gateway and the command line use gateway/: processors reach partners through output topics.',
  ),
  simulator: wall(['**/simulator/**'], 'The simulator writes raw topics; product code never imports it.'),
  bin: wall(['**/bin/**'], 'bin/ is the command line: nothing imports it.'),
  bench: wall(['**/bench/**'], 'bench/ measures the product: product code and tests never import it.'),
  tests: wall(['**/test/**'], 'Product code never imports tests or their stand-ins.'),
  processorsInGateway: wall(
    ['**/processors/**/*.ts', '!**/processors/runtime/index.ts'],
    "The gateway reads processors' output topics through the log (processors/runtime/index.ts); it never imports a processor, ingest or the pipeline.",
  ),
};

/** Raw-identifier functions, refused where the area is after ingest. */
const RAW_IDENTIFIERS = wall(
  ['**/policies/index.ts', '**/policies/identity/index.ts'],
  'No raw identifier after ingest: only ingest, policies/identity and the simulator normalize or hash one.',
);
const rawIdentifierWall = { ...RAW_IDENTIFIERS, importNames: RAW_IDENTIFIER_FUNCTIONS };

/** Product areas: their files, the walls beyond the common ones, whether raw identifiers are allowed. */
const AREAS = [
  {
    name: 'schema',
    dirs: ['schema'],
    walls: [NOT.policies, NOT.processorsFromSchemaOrPolicies, NOT.gateway, NOT.simulator, NOT.bin, NOT.bench],
  },
  {
    name: 'policies/identity',
    dirs: ['policies/identity'],
    walls: [NOT.processorsFromSchemaOrPolicies, NOT.gateway, NOT.simulator, NOT.bin, NOT.bench],
    raw: true,
    identityInternals: true,
  },
  {
    name: 'policies',
    dirs: ['policies'],
    except: ['policies/identity'],
    walls: [NOT.processorsFromSchemaOrPolicies, NOT.gateway, NOT.simulator, NOT.bin, NOT.bench],
    identityInternals: true,
  },
  {
    name: 'processors/ingest',
    dirs: ['processors/ingest'],
    walls: [NOT.gateway, NOT.simulator, NOT.bin, NOT.bench],
    raw: true,
  },
  {
    name: 'processors',
    dirs: ['processors'],
    except: ['processors/ingest'],
    walls: [NOT.gateway, NOT.simulator, NOT.bin, NOT.bench],
  },
  { name: 'gateway', dirs: ['gateway'], walls: [NOT.processorsInGateway, NOT.simulator, NOT.bin, NOT.bench] },
  { name: 'simulator', dirs: ['simulator'], walls: [NOT.gateway, NOT.bin, NOT.bench], raw: true },
  { name: 'bin/hash', dirs: [], files: ['bin/commands/hash.ts'], walls: [NOT.bench], raw: true },
  { name: 'bin', dirs: ['bin'], except: ['bin/hash'], walls: [NOT.bench] },
  // The bench builds on the tests' fixture module (one module for both), so it may import test/.
  { name: 'bench', dirs: ['bench'], walls: [], usesTestFixtures: true },
  { name: 'scripts', dirs: ['scripts'], walls: [NOT.bench] },
];

/** The files of an area: its folder, the tests mirroring it, and the lint fixtures standing for it. */
function filesOf(area) {
  return area.files ?? area.dirs.map((dir) => `${dir}/**/*.ts`);
}
function testFilesOf(area) {
  return filesOf(area).flatMap((glob) => [`test/${glob}`, `test/lint/fixtures/${glob}`]);
}

/** The composed walls of an area (product code: `tests` also walls off test/). */
export function wallsOf(area, { test }) {
  const own = area.identityInternals ? COMMON.slice(1) : COMMON;
  // Tests feed the area with the simulator's records and their own helpers: those two walls are product code's.
  const patterns = [...own, ...(test ? area.walls.filter((w) => w !== NOT.simulator) : area.walls)];
  if (!test && !area.usesTestFixtures) patterns.push(NOT.tests);
  if (!area.raw) patterns.push(rawIdentifierWall);
  return patterns;
}

/** The files of the areas carved out of this one (more specific areas have their own block). */
const carvedOut = (area, globsOf) =>
  (area.except ?? []).flatMap((name) => globsOf(AREAS.find((other) => other.name === name)));

const areaBlocks = AREAS.flatMap((area) => [
  {
    name: `walls/${area.name}`,
    files: filesOf(area),
    ignores: carvedOut(area, filesOf),
    rules: { 'no-restricted-imports': ['error', { patterns: wallsOf(area, { test: false }) }] },
  },
  {
    name: `walls/test/${area.name}`,
    files: testFilesOf(area),
    ignores: carvedOut(area, testFilesOf),
    rules: { 'no-restricted-imports': ['error', { patterns: wallsOf(area, { test: true }) }] },
  },
]);

/** The attack suite's client, and the test that writes the partner guide's sample audience file. */
const PARTNER_CLIENT_TESTS = ['test/attacks/support.ts', 'test/docs/sample-audience.test.ts'];

/** Tests of no single area (end to end, integration, reliability, helpers, docs): the common walls. */
const otherTests = {
  name: 'walls/test/other',
  files: ['test/**/*.ts'],
  ignores: [...AREAS.flatMap(testFilesOf), ...PARTNER_CLIENT_TESTS],
  rules: {
    'no-restricted-imports': ['error', { patterns: [...COMMON, NOT.bench, { ...rawIdentifierWall }] }],
  },
};

/**
 * Test code that plays a partner's client, which hashes emails itself before an audience upload (UID2, as
 * `cleanroom hash` does): the common walls only.
 */
const partnerClientTests = {
  name: 'walls/test/partner-client',
  files: PARTNER_CLIENT_TESTS,
  rules: { 'no-restricted-imports': ['error', { patterns: [...COMMON, NOT.bench] }] },
};

export { AREAS };

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'data/**',
      '.kafka/**',
      'bench/results/**',
      'schema/json/**',
      'schema/db/migrations/**',
      'coverage/**',
      'gateway/console/dist/**',
      // Files that break the rules on purpose; test/lint/walls.test.ts lints them.
      'test/lint/fixtures/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        URL: 'readonly',
        fetch: 'readonly',
        AbortController: 'readonly',
        TextEncoder: 'readonly',
        TextDecoder: 'readonly',
        queueMicrotask: 'readonly',
        structuredClone: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-properties': [
        'error',
        {
          object: 'Math',
          property: 'random',
          message: 'Use a CSPRNG (node:crypto) or a seeded generator from simulator/random.ts.',
        },
      ],
    },
  },
  {
    // Type-aware rules: a promise nobody awaits or handles loses its error.
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  {
    // Outside tests a failure is handled with a reason or logged with its context, never dropped unnamed.
    files: [
      'schema/**/*.ts',
      'policies/**/*.ts',
      'processors/**/*.ts',
      'gateway/**/*.ts',
      'simulator/**/*.ts',
      'bin/**/*.ts',
      'bench/**/*.ts',
      'scripts/**/*.ts',
    ],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector:
            "CallExpression[callee.property.name='catch'] > ArrowFunctionExpression[body.type='BlockStatement'][body.body.length=0]",
          message: SWALLOWED,
        },
        {
          selector:
            "CallExpression[callee.property.name='catch'] > ArrowFunctionExpression[body.type='Identifier'][body.name='undefined']",
          message: SWALLOWED,
        },
      ],
    },
  },
  ...areaBlocks,
  otherTests,
  partnerClientTests,
);
