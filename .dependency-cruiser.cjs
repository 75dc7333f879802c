/**
 * The layer picture of README.md ("Architecture"), enforced: each layer may import only the
 * layers named in its `allowed` list (and itself). `npm run deps` runs this in .ci/run.
 *
 *   cli → serve → experiment → models → train → nn → engine ; eval beside models ; explain beside experiment
 *   (over models, used by serve and cli) ; data, io below all
 *   store is used by serve and cli only.
 */
const layers = {
  io: [],
  data: ['io'],
  engine: ['data', 'io'],
  nn: ['engine', 'data', 'io'],
  train: ['nn', 'engine', 'data', 'io'],
  eval: ['engine', 'data', 'io'],
  models: ['train', 'nn', 'engine', 'eval', 'data', 'io'],
  experiment: ['models', 'eval', 'train', 'engine', 'data', 'io'],
  explain: ['models', 'eval', 'train', 'nn', 'engine', 'data', 'io'],
  store: ['data', 'io'],
  serve: ['store', 'explain', 'experiment', 'models', 'eval', 'train', 'engine', 'data', 'io'],
  cli: ['serve', 'store', 'explain', 'experiment', 'models', 'eval', 'train', 'engine', 'data', 'io'],
};

const layerRules = Object.entries(layers).map(([layer, allowed]) => {
  const others = Object.keys(layers).filter((other) => other !== layer && !allowed.includes(other));
  return {
    name: `layer-${layer}`,
    comment: `src/${layer} may import only ${allowed.length ? allowed.map((l) => `src/${l}`).join(', ') : 'nothing else in src'} (README, Architecture)`,
    severity: 'error',
    from: { path: `^src/${layer}/` },
    to: { path: `^src/(${others.join('|')})/` },
  };
});

/** Model families are siblings: each builds on src/models/*.ts (the contract, the shell), never on another family. */
const families = ['baselines', 'autoencoders', 'sequential', 'hybrid'];
const familyRules = families.map((family) => ({
  name: `family-${family}`,
  comment: `src/models/${family} must not import another model family (share code through src/models/*.ts or src/nn)`,
  severity: 'error',
  from: { path: `^src/models/${family}/` },
  to: { path: `^src/models/(${families.filter((f) => f !== family).join('|')})/` },
}));

module.exports = {
  forbidden: [
    ...layerRules,
    ...familyRules,
    {
      name: 'model-core-above-families',
      comment: 'the contract and shell in src/models/*.ts must not depend on a particular model, except the registry that lists them',
      severity: 'error',
      from: { path: '^src/models/[^/]+[.]ts$', pathNot: '^src/models/registry[.]ts$' },
      to: { path: '^src/models/[^/]+/' },
    },
    {
      name: 'no-circular',
      comment: 'modules must not import each other, directly or through others',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'src-not-tests',
      comment: 'library code must not import tests, test support or benchmarks',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|test-support|bench)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^(dist|node_modules)/' },
  },
};
