/**
 * Imports run one way (DESIGN.md, Layout). `npm run lint:deps` (part of
 * `npm test`) checks src/ with dependency-cruiser against these rules:
 *
 * - no-circular: no file reaches itself through its imports (type-only
 *   imports count: tsPreCompilationDeps).
 * - layer-*: the folders of src/ are layers, listed below from the bottom
 *   up. A file may import its own layer and the layers below it, never one
 *   above; so no two folders can import each other, directly or round a
 *   longer loop. onnx/ and models/ share a level and do not import each
 *   other. A folder that is not in the list may import nothing from src/
 *   until it is given its place here.
 * - browser-entry-*: the browser entry (src/index.ts), and everything it
 *   reaches, loads no Node-only file and no Node built-in module.
 * - not-to-unresolvable: every import resolves to a file or a package.
 *
 * Only src/ is checked: tests, demo/ and the bench pages may import anything.
 * WGSL comes in as text (`import x from '../../shaders/foo.wgsl?raw'`); the
 * resolver drops the `?raw` query, so a shader is a leaf of the graph (outside
 * src/, so no layer rule applies) and a wrong shader path is unresolvable.
 */

/** The layers of src/, bottom first: [name, the files it holds]. */
const LAYERS = [
  ['leaves', ['^src/errors\\.ts$', '^src/vocabulary\\.ts$', '^src/random\\.ts$', '^src/shaders\\.d\\.ts$']],
  ['gpu', ['^src/gpu/']],
  ['kernels', ['^src/kernels/']],
  ['ops', ['^src/ops/']],
  // below graph/: graph's compile calls autotune
  ['autotune', ['^src/autotune/']],
  ['graph', ['^src/graph/']],
  ['io', ['^src/io/']],
  // onnx/ and models/ share this level; neither imports the other
  ['onnx', ['^src/onnx/'], 'models'],
  ['models', ['^src/models/'], 'onnx'],
  // transfer learning: cuts and extends graphs of any source, augments, trains heads, exports through onnx/; image/'s classify API uses it
  ['train', ['^src/train/']],
  ['image', ['^src/image/']],
  ['bench', ['^src/bench/']],
  ['cli', ['^src/cli/']],
  ['index', ['^src/index\\.ts$']],
  ['node', ['^src/node\\.ts$']],
];

const paths = (names) => LAYERS.filter(([name]) => names.includes(name)).flatMap(([, p]) => p);
const shown = (patterns) => patterns.map((p) => p.replace(/^\^/, '').replace(/\$$/, '').replace(/\\\./g, '.')).join(', ');

const layerRules = LAYERS.map(([name, from, peer], i) => {
  const mayImport = LAYERS.slice(0, i + 1)
    .filter(([other]) => other !== peer)
    .flatMap(([, p]) => p);
  return {
    name: `layer-${name}`,
    severity: 'error',
    comment: `${shown(from)} may import from src/ only: ${shown(mayImport)}. Lower layers never import higher ones (see .dependency-cruiser.cjs).`,
    from: { path: from },
    to: { path: '^src/', pathNot: mayImport },
  };
});

const unlisted = {
  name: 'layer-unlisted',
  severity: 'error',
  comment: 'This file is in no layer: give its folder a place in LAYERS (.dependency-cruiser.cjs) before it imports from src/.',
  from: { path: '^src/', pathNot: LAYERS.flatMap(([, p]) => p) },
  to: { path: '^src/' },
};

/** Node's built-in modules (dependency-cruiser names them without `node:`). */
const NODE_BUILTINS = `^(node:.*|${require('node:module')
  .builtinModules.filter((m) => !m.startsWith('_'))
  .join('|')})$`;

/** Files only Node can load: the Node entry, `*_node.ts` files, Dawn's adapter. */
const NODE_ONLY_FILES = ['^src/node\\.ts$', '^src/.*_node\\.ts$', '^src/gpu/node_gpu\\.ts$'];

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A file reaches itself through its imports. Move the shared piece down, into the lower file or a small third one both import.',
      from: {},
      to: { circular: true },
    },
    ...layerRules,
    unlisted,
    {
      name: 'browser-entry-not-node-files',
      severity: 'error',
      comment: 'The browser entry (src/index.ts) reaches a Node-only file (src/node.ts, *_node.ts, gpu/node_gpu.ts): a bundler would pull Dawn or fs into the page. Node-only code is reached from src/node.ts.',
      from: { path: '^src/index\\.ts$' },
      to: { path: NODE_ONLY_FILES, reachable: true },
    },
    {
      name: 'browser-entry-not-node-builtins',
      severity: 'error',
      comment: "The browser entry (src/index.ts) reaches one of Node's built-in modules (fs, path, zlib, …), which a browser does not have.",
      from: { path: '^src/index\\.ts$' },
      to: { path: NODE_BUILTINS, reachable: true },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'This import resolves to no file and no installed package.',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
  },
};
