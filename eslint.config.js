// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

// Bare builtin names go in `paths` (exact match): as gitignore-style patterns, 'events' would also match './events'.
const nodeBuiltinNames = ['fs', 'fs/promises', 'path', 'os', 'child_process', 'crypto', 'http', 'https', 'net', 'url', 'util', 'stream', 'events', 'buffer', 'worker_threads'];
const nodeBuiltins = ['node:*'];

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'test-results/**', 'playwright-report/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      'no-restricted-syntax': ['error', { selector: 'TSEnumDeclaration', message: 'Use a string-literal union or an `as const` object, not an enum.' }],
    },
  },
  {
    // shared/ is pure: no Node, no Electron, no React, no DOM. It runs in every runtime.
    files: ['shared/**/*.ts'],
    ignores: ['shared/**/*.test.ts'],
    languageOptions: { globals: { ...globals.es2022 } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltinNames.map((name) => ({ name, message: 'shared/ is pure code: no Node modules. Put side effects in electron/core.' })),
          patterns: [
            { group: nodeBuiltins, message: 'shared/ is pure code: no Node modules. Put side effects in electron/core.' },
            { group: ['electron', 'electron/*'], message: 'shared/ must not import Electron.' },
            { group: ['react', 'react-dom', 'react/*', 'react-dom/*', 'zustand', 'zustand/*'], message: 'shared/ must not import UI libraries.' },
            { group: ['**/electron/**', '**/renderer/**'], message: 'shared/ imports nothing from the runtimes that use it.' },
          ],
        },
      ],
      'no-restricted-globals': ['error', 'window', 'document', 'process', 'Buffer', 'require', 'navigator', 'localStorage', 'fetch'],
    },
  },
  {
    // The renderer is sandboxed: no Node, no Electron; it reaches the core only through the typed API.
    files: ['renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltinNames.map((name) => ({ name, message: 'The renderer has no Node: go through window.conclave (the typed API).' })),
          patterns: [
            { group: nodeBuiltins, message: 'The renderer has no Node: go through window.conclave (the typed API).' },
            { group: ['electron', 'electron/*', '**/electron/**'], message: 'The renderer must not import Electron or the main process.' },
          ],
        },
      ],
    },
  },
  {
    // The core runs in the CLI and the browser shell too: no Electron there.
    files: ['electron/core/**/*.ts', 'electron/cli/**/*.ts', 'electron/web/**/*.ts'],
    languageOptions: { globals: { ...globals.node } },
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['electron', 'electron/*'], message: 'Core services, the CLI and the browser shell run without Electron.' }] }],
    },
  },
  {
    // Raw ipcMain lives in one wrapper that validates every message.
    files: ['electron/main/**/*.ts'],
    ignores: ['electron/main/ipc.ts'],
    languageOptions: { globals: { ...globals.node } },
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'electron', importNames: ['ipcMain'], message: 'Register IPC through electron/main/ipc.ts, which validates every call.' }] }],
    },
  },
  {
    files: ['electron/**/*.ts', 'tests/**/*.ts', 'e2e/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.{js,ts}', 'bin/**/*.js', '*.config.{js,ts}'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    // bin/conclave.js is CommonJS (bin/package.json): it starts faster than an ES module (issue 11).
    files: ['bin/**/*.js'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
