// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Layer rules from DESIGN.md: dependencies point one way, and each native seam has one owner. */
const restricted = (patterns, message) => ({ group: patterns, message });

/** The native seams: each package is imported by one module only (named by `owner`). */
const SEAMS = {
  onnx: restricted(
    ['onnxruntime-node', 'onnxruntime-common'],
    'Only src/core/runtime/onnx.ts imports ONNX Runtime.',
  ),
  sharp: restricted(['sharp'], 'Only src/core/image/ imports sharp.'),
  tfjs: restricted(['@tensorflow/*'], 'Only src/core/runtime/tfjs.ts imports tfjs.'),
  proto: restricted(['onnx-proto'], 'Only src/core/onnx/proto.ts imports onnx-proto.'),
};
const SEAM_OWNERS = {
  onnx: ['src/core/runtime/onnx.ts'],
  sharp: ['src/core/image/**'],
  tfjs: ['src/core/runtime/tfjs.ts'],
  proto: ['src/core/onnx/proto.ts'],
};

/**
 * What each layer may not import: core imports no outer layer; lab only core; bench core and
 * lab; serve never cli. cli and web are outermost. A pattern matches any path through the
 * named folder.
 */
const LAYERS = [
  { files: ['src/core/**'], forbidden: ['lab', 'bench', 'serve', 'cli', 'web'], name: 'core' },
  { files: ['src/lab/**'], forbidden: ['bench', 'serve', 'cli', 'web'], name: 'lab' },
  { files: ['src/bench/**'], forbidden: ['serve', 'cli', 'web'], name: 'bench' },
  { files: ['src/serve/**'], forbidden: ['cli', 'web'], name: 'serve' },
];

/** One rule per (layer, seam owner) pair: ESLint replaces a rule's options, it never merges them. */
const importRules = (layer, owned) => ({
  'no-restricted-imports': [
    'error',
    {
      patterns: [
        ...(layer
          ? [
              restricted(
                layer.forbidden.map((outer) => `**/${outer}/**`),
                `${layer.name} must not import ${layer.forbidden.join(', ')} (layers: README, Development).`,
              ),
            ]
          : []),
        ...Object.entries(SEAMS)
          .filter(([seam]) => seam !== owned)
          .map(([, rule]) => rule),
      ],
    },
  ],
});

const layerConfigs = [
  { rules: importRules(undefined, undefined) },
  ...LAYERS.map((layer) => ({ files: layer.files, rules: importRules(layer, undefined) })),
  ...Object.entries(SEAM_OWNERS).map(([seam, files]) => ({
    files,
    rules: importRules(LAYERS[0], seam), // every seam owner is in core
  })),
];

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
    },
  },
  ...layerConfigs,
  // CLI prints; tests, benches and scripts may decode fixtures with sharp directly.
  { files: ['src/cli/**', 'bench/**', 'scripts/**'], rules: { 'no-console': 'off' } },
  {
    files: ['**/*.test.ts', 'test/**', 'bench/**', 'scripts/**'],
    rules: { 'no-restricted-imports': 'off' },
  },
);
