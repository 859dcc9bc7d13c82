// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Layer rules from DESIGN.md: dependencies point one way, and each native seam has one owner. */
const restricted = (patterns, message) => ({ group: patterns, message });

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'tmp/**',
      'test/fixtures/generated/**',
      'coverage/**',
      'web/vendor/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      'no-console': 'error',
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            restricted(
              ['onnxruntime-node', 'onnxruntime-common'],
              'Only src/core/runtime/onnx.ts imports ONNX Runtime.',
            ),
            restricted(['sharp'], 'Only src/core/image/ imports sharp.'),
            restricted(['@tensorflow/*'], 'Only src/core/runtime/tfjs.ts imports tfjs.'),
            restricted(['onnx-proto'], 'Only src/core/onnx/proto.ts imports onnx-proto.'),
          ],
        },
      ],
    },
  },
  { files: ['src/core/runtime/onnx.ts'], rules: { 'no-restricted-imports': 'off' } },
  { files: ['src/core/runtime/tfjs.ts'], rules: { 'no-restricted-imports': 'off' } },
  { files: ['src/core/onnx/proto.ts'], rules: { 'no-restricted-imports': 'off' } },
  { files: ['src/core/image/**'], rules: { 'no-restricted-imports': 'off' } },
  {
    files: ['src/core/**'],
    ignores: ['src/core/runtime/**', 'src/core/image/**', 'src/core/onnx/proto.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            restricted(
              ['**/lab/**', '**/bench/**', '**/serve/**', '**/cli/**', '**/web/**'],
              'core must not depend on outer layers.',
            ),
            restricted(
              ['onnxruntime-node', 'onnxruntime-common'],
              'Only src/core/runtime/onnx.ts imports ONNX Runtime.',
            ),
            restricted(['sharp'], 'Only src/core/image/ imports sharp.'),
            restricted(['@tensorflow/*'], 'Only src/core/runtime/tfjs.ts imports tfjs.'),
            restricted(['onnx-proto'], 'Only src/core/onnx/proto.ts imports onnx-proto.'),
          ],
        },
      ],
    },
  },
  // CLI prints; tests, benches and scripts may decode fixtures with sharp directly.
  { files: ['src/cli/**', 'bench/**', 'scripts/**'], rules: { 'no-console': 'off' } },
  {
    files: ['**/*.test.ts', 'test/**', 'bench/**', 'scripts/**'],
    rules: { 'no-restricted-imports': 'off' },
  },
);
