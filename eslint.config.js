// Lint rules for every package: typescript-eslint's recommended set, plus a few
// rules that keep the codebase honest (no focused tests, no stray console in src).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', '.tollgate/**', 'packages/dashboard/build/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-syntax': [
        'error',
        { selector: "CallExpression[callee.object.name=/^(it|test|describe)$/][callee.property.name='only']", message: 'Focused tests hide failures.' },
      ],
    },
  },
  {
    files: ['packages/server/src/**/*.ts'],
    ignores: ['packages/server/src/providers/stripe/**', 'packages/server/src/**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'stripe', message: 'Only providers/stripe may import the Stripe SDK.' }] }],
    },
  },
);
