/**
 * Placement: which steps run, in order, and where every tensor they touch
 * lives. A pure function of the ExecGraph, of what each node's kernel can do
 * and of the device limits, so it is tested on fake data without a device
 * (test/graph/placement.test.ts). It decides:
 * 1. aliases — a node whose kernel is a 'view' (a flatten of [N, F] or of
 *    one pixel) is its input's memory; an input of a 'concat-channels' node
 *    whose producer can write a channel slice, that only the concat reads
 *    (once) and that is no graph output lives inside its slice of the
 *    concat's output (no copy);
 * 2. steps — the boundary conversions of graph inputs (boundary.ts), one step
 *    per node (a view needs none; a concat is one copy per input not written
 *    in place), the boundary conversions of graph outputs;
 * It knows no operator by name: the kernels say which nodes are views and
 * which concatenate (NodeKernel.placement).
 * 3. storage — graph inputs that need no conversion are read straight from
 *    their staging buffer; every other root tensor gets an arena and an
 *    offset from storage_plan.ts.
 * Steps are data: the executor turns them into dispatches once it has made
 * the buffers the placement asks for.
 */
import { fullSlice, type ChannelSlice } from '../kernels/conv2d_shape.js';
import { inputConversion, outputConversion, type BoundaryConversion } from './boundary.js';
import { consumerCounts, nodeReads, tensorLabel, type ExecGraph } from './exec_graph.js';
import { elementCount, type Shape } from './ir.js';
import type { PlannerLimits } from './memory_planner.js';
import type { NodeKernel } from './node_kernels.js';
import { planStorage, type Location, type StoragePlan } from './storage_plan.js';

/** What placement needs to know of a node's kernel. */
export type PlacementKernel = Pick<NodeKernel, 'writesSlices' | 'scratchFloats' | 'placement'>;

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
}

export type PlacedStep = StepBase &
  (
    | { readonly kind: 'input-to-nhwc'; readonly input: string; readonly tensor: number; readonly conversion: BoundaryConversion }
    | { readonly kind: 'node'; readonly node: number }
    | { readonly kind: 'concat-copy'; readonly node: number; readonly input: number; readonly tensor: number; readonly slice: ChannelSlice }
    | { readonly kind: 'output-to-nchw'; readonly output: string; readonly tensor: number; readonly conversion: BoundaryConversion }
  );

export interface Placement {
  readonly aliases: ReadonlyMap<number, TensorAlias>;
  readonly steps: readonly PlacedStep[];
  /** Graph inputs read straight from their staging buffer: tensor id → input name. */
  readonly external: ReadonlyMap<number, string>;
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
export function place(exec: ExecGraph, kernels: readonly PlacementKernel[], limits: PlannerLimits): Placement {
  const aliases = decideAliases(exec, kernels);
  const root = (t: number) => aliases.get(t)?.root ?? t;
  const steps = orderSteps(exec, kernels, aliases);
  const external = new Map<number, string>();
  for (const input of exec.inputs) if (!inputConversion(exec.shapes.get(input.tensor)!)) external.set(input.tensor, input.name);
  const rootBytes = new Map<number, number>();
  for (const [t, shape] of exec.shapes) if (root(t) === t && !external.has(t)) rootBytes.set(t, elementCount(shape) * 4);
  const storage = planStorage(
    steps.map((s) => ({ reads: s.reads.map(root), writes: s.writes.map(root), scratchBytes: s.scratchFloats * 4 })),
    rootBytes,
    new Set(exec.outputs.map((o) => root(o.tensor))),
    limits,
    { tensor: (t) => tensorLabel(exec, t), step: (i) => steps[i]!.name },
  );
  const arenaLayers = storage.arenaBytes.map((_, arena) => largestLayerIn(exec, storage, root, arena));
  return { aliases, steps, external, storage, arenaLayers };
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
    if (how === 'view') aliases.set(n.output, { root: root(n.inputs[0]!) });
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

function orderSteps(exec: ExecGraph, kernels: readonly PlacementKernel[], aliases: ReadonlyMap<number, TensorAlias>): PlacedStep[] {
  const steps: PlacedStep[] = [];
  for (const input of exec.inputs) {
    const conversion = inputConversion(exec.shapes.get(input.tensor)!);
    if (!conversion) continue;
    steps.push({
      kind: 'input-to-nhwc', input: input.name, tensor: input.tensor, conversion,
      name: `input:${input.name}`, label: `input ${input.name} NCHW→NHWC`, sources: [], reads: [], writes: [input.tensor], scratchFloats: 0,
    });
  }
  exec.nodes.forEach((node, i) => {
    const how = kernels[i]!.placement;
    if (how === 'view') return;
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
