// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const identityMessage =
  'Raw identifiers are handled only by policies/identity. Import the public face from policies/index.ts.';

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'data/**',
      '.kafka/**',
      'bench/results/**',
      'schema/json/**',
      'coverage/**',
      'gateway/console/dist/**',
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
    // Nothing outside policies/identity may reach into its internals (raw identifier handling).
    files: ['**/*.ts'],
    ignores: ['policies/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/policies/identity/*', '!**/policies/identity/index.ts'], message: identityMessage },
            {
              group: ['**/processors/*/*', '!**/processors/*/index.ts', '!**/processors/index.ts'],
              message: 'Import a processor area through its index.ts.',
            },
          ],
        },
      ],
    },
  },
  {
    // The gateway reads processors' output topics; it never imports a processor.
    files: ['gateway/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '**/processors/ingest/**',
                '**/processors/fraud/**',
                '**/processors/segments/**',
                '**/processors/attribution/**',
                '**/processors/triggers/**',
              ],
              message: 'The gateway reads processor output topics; it never imports a processor.',
            },
            { group: ['**/policies/identity/*', '!**/policies/identity/index.ts'], message: identityMessage },
          ],
        },
      ],
    },
  },
);
