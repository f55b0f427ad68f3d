/**
 * Float64 test-time crops and ensembles: a crop (optionally mirrored) cut
 * from an NCHW canvas by index arithmetic, each crop run through the
 * model's batch-1 graph by the float64 interpreter (graph.ts), softmaxed,
 * and averaged — the definition multi_crop.ts and ensemble_graph.ts compute
 * on the GPU as one graph.
 */
import type { Graph, WeightMap } from '../../src/graph/ir.js';
import type { CropRect } from '../../src/image/crops.js';
import { runGraphRef } from './graph.js';
import { softmaxRef } from './softmax.js';

/** A canvas: C × H × W floats, NCHW order (one image). */
export interface CanvasRef {
  data: ArrayLike<number>;
  channels: number;
  height: number;
  width: number;
}

/** The C × r.height × r.width crop of the canvas at (r.x, r.y); mirrored: column j reads r.x + r.width − 1 − j. */
export function cropRef(canvas: CanvasRef, r: CropRect): Float64Array {
  const out = new Float64Array(canvas.channels * r.height * r.width);
  let k = 0;
  for (let c = 0; c < canvas.channels; c++) {
    for (let y = 0; y < r.height; y++) {
      for (let x = 0; x < r.width; x++) {
        const sx = r.mirror ? r.x + r.width - 1 - x : r.x + x;
        out[k++] = canvas.data[(c * canvas.height + r.y + y) * canvas.width + sx]!;
      }
    }
  }
  return out;
}

/** The softmax of a batch-1 classifier graph's first output for one input. */
export function softmaxOfRef(model: Graph, weights: WeightMap, input: ArrayLike<number>): Float64Array {
  const logits = runGraphRef(model, weights, new Map([[model.inputs[0]!.name, input]])).get(model.outputs[0]!.name)!;
  return softmaxRef(logits, 1, logits.length);
}

/**
 * The mean over members and crops of softmax(member(crop)): each member a
 * batch-1 graph with its weights. One member and one whole-input crop is a
 * plain softmax.
 */
export function meanProbabilitiesRef(members: readonly { graph: Graph; weights: WeightMap }[], canvas: CanvasRef, crops: readonly CropRect[]): Float64Array {
  let sum: Float64Array | undefined;
  for (const m of members) {
    for (const r of crops) {
      const p = softmaxOfRef(m.graph, m.weights, cropRef(canvas, r));
      sum ??= new Float64Array(p.length);
      p.forEach((v, i) => (sum![i]! += v));
    }
  }
  return sum!.map((v) => v / (members.length * crops.length));
}
