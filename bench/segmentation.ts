/**
 * npm run bench:segmentation [-- --size 224 --runs 3 --models lraspp_mobilenet_v3_large,... --no-ort]
 *
 * torchvision's segmentation models (and MobileNet v3, their backbone) from
 * the zoo with random weights, exported to one ONNX file each; that file
 * runs through our importer and through ONNX Runtime Web's WebGPU EP on the
 * same Dawn GPU, in this process. Per model: our latency (wall, upload and
 * readback included, median of --runs after one warm-up), dispatches,
 * planned activation memory against the naive sum of every tensor, weights
 * on the GPU, then ORT-web's latency measured the same way and its output's
 * relative L2 from ours (--no-ort skips it: on SwiftShader it is the slow
 * part). Not a test: prints a table.
 */
import { runNodeOrt, type PeerResult } from '../src/bench/peers_node.js';
import { compile } from '../src/graph/executor.js';
import { createNodeGpuContext } from '../src/gpu/node_gpu.js';
import { median } from '../src/gpu/timer.js';
import { randomWeights } from '../src/models/random_weights.js';
import { zooModel } from '../src/models/zoo.js';
import { exportOnnx } from '../src/onnx/export.js';
import { parseOnnx } from '../src/onnx/import.js';
import { option } from './args.js';

const MODELS = ['mobilenet_v3_small', 'mobilenet_v3_large', 'lraspp_mobilenet_v3_large', 'deeplabv3_mobilenet_v3_large', 'fcn_resnet50', 'deeplabv3_resnet50'];
const size = Number(option('size', '224'));
const runs = Number(option('runs', '3'));
const ids = option('models', MODELS.join(',')).split(',');
const withOrt = !process.argv.includes('--no-ort');
const mib = (b: number) => (b / 2 ** 20).toFixed(1);
const log = (line: string) => console.error(`  ${line}`);

const ctx = await createNodeGpuContext();
console.log(`adapter: ${ctx.adapter.vendor} ${ctx.adapter.architecture}; batch 1, ${size}×${size}, f32, random weights; wall ms, median of ${runs} runs after 1 warm-up`);
const rows: string[] = [];
for (const id of ids) {
  log(`${id}: building, exporting`);
  const zooGraph = zooModel(id).build({ inputSize: size });
  const onnx = exportOnnx(zooGraph, randomWeights(zooGraph, 1));
  const { graph, weights } = parseOnnx(onnx);
  const input = new Float32Array(3 * size * size).map((_, i) => Math.cos(i));
  const inputName = graph.inputs[0]!.name;
  log(`${id}: compiling (${(onnx.byteLength / 2 ** 20).toFixed(0)} MB ONNX)`);
  let t = performance.now();
  const model = await compile(ctx, graph, weights);
  const compileMs = performance.now() - t;
  const times: number[] = [];
  let outputs: Record<string, Float32Array> = {};
  for (let i = 0; i <= runs; i++) {
    t = performance.now();
    outputs = (await model.run({ [inputName]: input })).outputs as Record<string, Float32Array>;
    if (i > 0) times.push(performance.now() - t);
  }
  const info = model.info;
  model.dispose();
  const ort: PeerResult = withOrt ? await runNodeOrt(ctx, { graph, weights, onnx, inputs: { [inputName]: input }, ours: outputs, runs, warmup: 1 }, log) : { name: 'ort-web webgpu', available: false, reason: 'skipped (--no-ort)' };
  const ortCell = ort.available ? `${ort.wallMs!.median.toFixed(0)} | ${(ort.wallMs!.median / median(times)).toFixed(2)}× | ${ort.relL2!.toExponential(1)}` : `— | — | ${ort.reason}`;
  const row = `| ${id} | ${median(times).toFixed(0)} | ${info.dispatches} | ${mib(info.plannedBytes)} (${info.arenas}) | ${mib(info.naiveBytes)} | ${mib(info.weightBytes)} | ${compileMs.toFixed(0)} | ${ortCell} |`;
  rows.push(row);
  log(row);
}
console.log('\n| model | ours ms | dispatches | planned MiB (arenas) | naive MiB | weights MiB | compile ms | ORT-web WebGPU ms | ORT / ours | ORT rel. L2 from ours |\n|---|---|---|---|---|---|---|---|---|---|');
for (const row of rows) console.log(row);
ctx.device.destroy();
process.exit(0);
