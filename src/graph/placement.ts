/**
 * Placement: which steps run, in order, and where every tensor they touch
 * lives. A pure function of the ExecGraph, of what each node's kernel can do
 * and of the device limits, so it is tested on fake data without a device
 * (test/graph/placement.test.ts). It decides:
 * 1. aliases — the output of a 'row-major-view' node (reshape, flatten)
 *    whose input and output are both stored row-major is its input's memory;
 *    an input of a 'concat-channels' node whose producer can write a channel
 *    slice, that only the concat reads (once) and that is no graph output
 *    lives inside its slice of the concat's output (no copy);
 * 2. NCHW inputs — a rank-4 graph input that is no graph output and that
 *    only nodes whose kernel reads NCHW (NodeKernel.readsNchw: the stem
 *    conv) read, each as its first input, stays NCHW: no conversion step,
 *    read straight from its staging buffer (one dispatch and one arena
 *    tensor fewer). Decided here, for the whole graph, not in a kernel;
 *    `readNchwInputs: false` converts every input (for comparing);
 * 3. steps — the boundary conversions of graph inputs (boundary.ts), one step
 *    per node, the boundary conversions of graph outputs. A row-major view
 *    is its layout conversions instead (ops/layout.ts: NHWC → row-major of
 *    the input, row-major → NHWC of the output, through a temporary tensor
 *    when both are needed); a concat is one copy per input not written in
 *    place. Conversions between layouts are inserted here and nowhere else;
 * It knows no operator by name: the kernels say which nodes are views and
 * which concatenate (NodeKernel.placement).
 * 4. storage — graph inputs that need no conversion are read straight from
 *    their staging buffer; every other root tensor gets an arena and an
 *    offset from storage_plan.ts.
 * Steps are data: the executor turns them into dispatches once it has made
 * the buffers the placement asks for.
 */
import { fullSlice, type ChannelSlice } from '../kernels/conv2d_shape.js';
import { fromRowMajor, toRowMajor, type LayoutConversion } from '../ops/layout.js';
import { inputConversion, outputConversion, type BoundaryConversion } from './boundary.js';
import { consumerCounts, nodeReads, tensorLabel, type ExecGraph } from './exec_graph.js';
import { elementCount, type Shape } from './ir.js';
import type { PlannerLimits } from './memory_planner.js';
import type { NodeKernel } from './node_kernels.js';
import { planStorage, type Location, type StoragePlan } from './storage_plan.js';

/** What placement needs to know of a node's kernel. */
export type PlacementKernel = Pick<NodeKernel, 'writesSlices' | 'scratchFloats' | 'partialFloats' | 'placement' | 'readsNchw'>;

export interface PlacementOptions {
  /** Leave a graph input NCHW where every reader reads NCHW (default true; false: always convert it). */
  readonly readNchwInputs?: boolean;
}

/** A tensor stored inside another (its root), optionally as a channel slice of it. */
export interface TensorAlias {
  root: number;
  slice?: ChannelSlice;
}

interface StepBase {
  /** What errors and profiles call it: the node's name, `input:<name>` or `output:<name>`. */
  readonly name: string;
  /** The label of its compute pass. */
  readonly label: string;
  /** The graph nodes it covers. */
  readonly sources: readonly string[];
  /** Tensors it reads and writes, by id (rootOf says where they live). */
  readonly reads: readonly number[];
  readonly writes: readonly number[];
  readonly scratchFloats: number;
  /** Split-K partials (node steps only). */
  readonly partialFloats?: number;
}

export type PlacedStep = StepBase &
  (
    | { readonly kind: 'input-to-nhwc'; readonly input: string; readonly tensor: number; readonly conversion: BoundaryConversion }
    | { readonly kind: 'node'; readonly node: number }
    | { readonly kind: 'concat-copy'; readonly node: number; readonly input: number; readonly tensor: number; readonly slice: ChannelSlice }
    /** A node's layout conversion: `from` (a tensor or temporary) permuted into `to`. */
    | { readonly kind: 'layout'; readonly node: number; readonly from: number; readonly to: number; readonly conversion: LayoutConversion }
    | { readonly kind: 'output-to-nchw'; readonly output: string; readonly tensor: number; readonly conversion: BoundaryConversion }
  );

export interface Placement {
  readonly aliases: ReadonlyMap<number, TensorAlias>;
  readonly steps: readonly PlacedStep[];
  /** Tensors placement added (a row-major copy between two layout conversions), by id (above every graph tensor id): their shapes. */
  readonly temporaries: ReadonlyMap<number, Shape>;
  /** Graph inputs read straight from their staging buffer: tensor id → input name. */
  readonly external: ReadonlyMap<number, string>;
  /** The external inputs that stay NCHW (rank 4, read by nodes with readsNchw only). */
  readonly nchw: ReadonlySet<number>;
  /** Arena locations of the root tensors (all but the external inputs) and of step scratch. */
  readonly storage: StoragePlan;
  /** Per arena, the layer that writes its largest tensor: what an out-of-memory message names. */
  readonly arenaLayers: readonly (string | undefined)[];
}

/** Where a tensor's bytes are: in an input's staging buffer, or at a location in an arena. */
export type TensorHome = { readonly staging: string } | Location;

/**
 * @example
 * const kernels = exec.nodes.map((n) => nodeKernel(exec, n, limits.maxStorageBufferBindingSize));
 * const placement = place(exec, kernels, { alignment: 256, maxBindingSize: 1 << 27, maxBufferSize: 1 << 28 });
 * for (const step of placement.steps) console.log(step.kind, step.name);
 */
export function place(exec: ExecGraph, kernels: readonly PlacementKernel[], limits: PlannerLimits, options: PlacementOptions = {}): Placement {
  const aliases = decideAliases(exec, kernels);
  const root = (t: number) => aliases.get(t)?.root ?? t;
  const nchw = options.readNchwInputs === false ? new Set<number>() : nchwInputs(exec, kernels);
  const temporaries = new Map<number, Shape>();
  const steps = orderSteps(exec, kernels, aliases, temporaries, nchw);
  const external = new Map<number, string>();
  for (const input of exec.inputs) if (nchw.has(input.tensor) || !inputConversion(exec.shapes.get(input.tensor)!)) external.set(input.tensor, input.name);
  const rootBytes = new Map<number, number>();
  for (const [t, shape] of [...exec.shapes, ...temporaries]) if (root(t) === t && !external.has(t)) rootBytes.set(t, elementCount(shape) * 4);
  const storage = planStorage(
    steps.map((s) => ({ reads: s.reads.map(root), writes: s.writes.map(root), scratchBytes: s.scratchFloats * 4, partialBytes: (s.partialFloats ?? 0) * 4 })),
    rootBytes,
    new Set(exec.outputs.map((o) => root(o.tensor))),
    limits,
    { tensor: (t) => (temporaries.has(t) ? `the row-major copy in layer "${steps.find((s) => s.writes.includes(t))!.name}"` : tensorLabel(exec, t)), step: (i) => steps[i]!.name },
  );
  const arenaLayers = storage.arenaBytes.map((_, arena) => largestLayerIn(exec, storage, root, arena));
  return { aliases, steps, temporaries, external, nchw, storage, arenaLayers };
}

/** The tensor whose memory `tensor` uses (itself when not aliased). */
export function rootOf(placement: Pick<Placement, 'aliases'>, tensor: number): number {
  return placement.aliases.get(tensor)?.root ?? tensor;
}

export function homeOf(placement: Placement, tensor: number): TensorHome {
  const root = rootOf(placement, tensor);
  const input = placement.external.get(root);
  return input !== undefined ? { staging: input } : placement.storage.tensors.get(root)!;
}

/** The channels a write of `tensor` fills: its slice of a concat's output, or the whole tensor. */
export function writeSliceOf(exec: ExecGraph, placement: Pick<Placement, 'aliases'>, tensor: number): ChannelSlice {
  return placement.aliases.get(tensor)?.slice ?? fullSlice(channelsOf(exec.shapes.get(tensor)!));
}

function decideAliases(exec: ExecGraph, kernels: readonly PlacementKernel[]): Map<number, TensorAlias> {
  const aliases = new Map<number, TensorAlias>();
  const consumers = consumerCounts(exec);
  const producerIndex = new Map(exec.nodes.map((n, i) => [n.output, i] as const));
  const outputs = new Set(exec.outputs.map((o) => o.tensor));
  const root = (t: number) => aliases.get(t)?.root ?? t;
  exec.nodes.forEach((n, i) => {
    const how = kernels[i]!.placement;
    if (how === 'row-major-view' && !toRowMajor(exec.shapes.get(n.inputs[0]!)!) && !fromRowMajor(exec.shapes.get(n.output)!)) aliases.set(n.output, { root: root(n.inputs[0]!) });
    if (how === 'concat-channels') {
      const channels = exec.shapes.get(n.output)![1]!;
      let offset = 0;
      for (const t of n.inputs) {
        const p = producerIndex.get(t);
        const once = n.inputs.filter((x) => x === t).length === 1;
        if (p !== undefined && kernels[p]!.writesSlices && consumers.get(t) === 1 && once && !outputs.has(t) && !aliases.has(t)) {
          aliases.set(t, { root: n.output, slice: { channelStride: channels, channelOffset: offset } });
        }
        offset += exec.shapes.get(t)![1]!;
      }
    }
  });
  return aliases;
}

/**
 * The graph inputs that can stay NCHW: rank 4 (others need no conversion
 * anyway), no graph output (its output conversion reads NHWC), read at
 * least once, and every read is a readsNchw node's first input only (not
 * also its residual).
 */
function nchwInputs(exec: ExecGraph, kernels: readonly PlacementKernel[]): Set<number> {
  const out = new Set<number>();
  const outputs = new Set(exec.outputs.map((o) => o.tensor));
  for (const { tensor } of exec.inputs) {
    if (!inputConversion(exec.shapes.get(tensor)!) || outputs.has(tensor)) continue;
    const readers = exec.nodes.map((n, i) => ({ n, i })).filter(({ n }) => nodeReads(n).includes(tensor));
    const nchwOnly = readers.every(({ n, i }) => kernels[i]!.readsNchw && n.inputs[0] === tensor && nodeReads(n).filter((t) => t === tensor).length === 1);
    if (readers.length && nchwOnly) out.add(tensor);
  }
  return out;
}

function orderSteps(exec: ExecGraph, kernels: readonly PlacementKernel[], aliases: ReadonlyMap<number, TensorAlias>, temporaries: Map<number, Shape>, nchw: ReadonlySet<number>): PlacedStep[] {
  const steps: PlacedStep[] = [];
  let nextId = Math.max(-1, ...exec.shapes.keys()) + 1;
  for (const input of exec.inputs) {
    const conversion = inputConversion(exec.shapes.get(input.tensor)!);
    if (!conversion || nchw.has(input.tensor)) continue;
    steps.push({
      kind: 'input-to-nhwc', input: input.name, tensor: input.tensor, conversion,
      name: `input:${input.name}`, label: `input ${input.name} NCHW→NHWC`, sources: [], reads: [], writes: [input.tensor], scratchFloats: 0,
    });
  }
  exec.nodes.forEach((node, i) => {
    const how = kernels[i]!.placement;
    if (how === 'row-major-view') {
      const [input, output] = [node.inputs[0]!, node.output];
      const toRows = toRowMajor(exec.shapes.get(input)!);
      const fromRows = fromRowMajor(exec.shapes.get(output)!);
      const base = { kind: 'layout', node: i, name: node.name, sources: node.sources, scratchFloats: 0 } as const;
      const label = node.sources.join('+');
      // both conversions: the row-major bytes in between are a temporary of their own
      const rows = toRows && fromRows ? nextId++ : output;
      if (rows !== output) temporaries.set(rows, exec.shapes.get(output)!);
      if (toRows) steps.push({ ...base, from: input, to: rows, conversion: toRows, label: `${label} (to NCHW)`, reads: [input], writes: [rows] });
      if (fromRows) steps.push({ ...base, from: toRows ? rows : input, to: output, conversion: fromRows, label: `${label} (to NHWC)`, reads: [toRows ? rows : input], writes: [output] });
      return;
    }
    if (how === 'concat-channels') {
      const channels = exec.shapes.get(node.output)![1]!;
      let offset = 0;
      node.inputs.forEach((t, k) => {
        const slice = { channelStride: channels, channelOffset: offset };
        offset += exec.shapes.get(t)![1]!;
        if (aliases.get(t)?.root === node.output) return;
        steps.push({
          kind: 'concat-copy', node: i, input: k, tensor: t, slice,
          name: node.name, label: `${node.name} copy input ${k}`, sources: node.sources, reads: [t], writes: [node.output], scratchFloats: 0,
        });
      });
      return;
    }
    steps.push({
      kind: 'node', node: i,
      name: node.name, label: node.sources.join('+'), sources: node.sources, reads: nodeReads(node), writes: [node.output], scratchFloats: kernels[i]!.scratchFloats,
      ...(kernels[i]!.partialFloats ? { partialFloats: kernels[i]!.partialFloats } : {}),
    });
  });
  for (const output of exec.outputs) {
    const conversion = outputConversion(exec.shapes.get(output.tensor)!);
    if (!conversion) continue;
    steps.push({
      kind: 'output-to-nchw', output: output.name, tensor: output.tensor, conversion,
      name: `output:${output.name}`, label: `output ${output.name} NHWC→NCHW`, sources: [], reads: [output.tensor], writes: [], scratchFloats: 0,
    });
  }
  return steps;
}

function largestLayerIn(exec: ExecGraph, storage: StoragePlan, root: (t: number) => number, arena: number): string | undefined {
  let best: { bytes: number; tensor: number } | undefined;
  for (const [tensor, loc] of storage.tensors) if (loc.arena === arena && (!best || loc.bytes > best.bytes)) best = { bytes: loc.bytes, tensor };
  if (!best) return undefined;
  const largest = best.tensor;
  const producer = exec.nodes.find((n) => root(n.output) === largest);
  return producer?.name ?? exec.inputs.find((i) => root(i.tensor) === largest)?.name;
}

function channelsOf(shape: Shape): number {
  return shape.length === 4 ? shape[1]! : shape[shape.length - 1]!;
}
