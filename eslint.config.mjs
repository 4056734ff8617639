// @ts-check
// Lints what tsc does not: promises nobody awaits, and the usual mistakes. `npm run lint`.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.e2e/**', '.models/**', '.package/**', 'bench/out/**', 'media/**', 'samples/**'] },
  ...tseslint.configs.recommended,
  // The JavaScript files get what the TypeScript ones do (tsconfig.json type-checks them too).
  { ...tseslint.configs.eslintRecommended, files: ['**/*.mjs', '**/*.cjs'] },
  {
    files: ['**/*.ts', '**/*.mjs', '**/*.cjs'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/no-explicit-any': 'warn',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-namespace': 'off',
    },
  },
  {
    // CommonJS: preloads given to `node --require` (test/lsp/netSpy.cjs).
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
