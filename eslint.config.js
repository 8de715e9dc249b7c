import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      'contracts/out/**',
      'contracts/cache/**',
      'packages/sdk/src/generated/**',
      'contracts/tools/**',
      // AssemblyScript: TypeScript syntax, but its own compiler and standard library.
      'packages/examples/assembly/**',
      'packages/examples/build/**',
      // Written by `ponder codegen`, committed as Ponder asks.
      'apps/indexer/ponder-env.d.ts',
      '**/.ponder/**',
      'apps/web/dist/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.js', 'packages/runtime/src/*.js', 'packages/cli/bin/*.js'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // A daemon that drops a promise loses work.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
    },
  },
);
