/**
 * Resize of H and W of [N, C, H, W]: ONNX Resize (opsets 10–19, without
 * antialias) and Upsample (opsets 7, 9), and PyTorch's F.interpolate.
 * Executes as a `resize` node: one resize dispatch on the NHWC data reading
 * two per-axis sampling tables (kernels/resize.ts), which can write straight
 * into a concat's channel slice.
 *
 * PyTorch's F.interpolate maps onto it as
 * - mode='nearest'                      → { mode: 'nearest', coordinateTransform: 'asymmetric', nearestMode: 'floor' }
 * - mode='nearest-exact'                → { mode: 'nearest', coordinateTransform: 'half_pixel', nearestMode: 'round_prefer_ceil' }
 * - mode='bilinear', align_corners=False → { mode: 'linear', coordinateTransform: 'half_pixel' }
 * - mode='bilinear', align_corners=True  → { mode: 'linear', coordinateTransform: 'align_corners' }
 * - mode='bicubic', align_corners=False  → { mode: 'cubic', coordinateTransform: 'half_pixel' } (A = −0.75)
 * - mode='bicubic', align_corners=True   → { mode: 'cubic', coordinateTransform: 'align_corners' }
 * with `size` for its size= and `scale` for its scale_factor= (PyTorch then
 * also takes floor(in·scale) and samples with the given scale, as here).
 */
import { GraphError } from '../errors.js';
import {
  COORDINATE_TRANSFORMS,
  NEAREST_MODES,
  RESIZE_MODES,
  RESIZE_TABLE_ENTRY,
  RESIZE_WEIGHTS_AT,
  RESIZE_TAPS,
  resize2d,
  resizeTable,
  type CoordinateTransform,
  type NearestMode,
  type ResizeAxis,
  type ResizeMode,
  type ResizeSampling,
} from '../kernels/resize.js';
import { requireImage, type Pair } from './checks.js';
import type { BuildContext, ExportContext, KernelContext, KernelDef, NodeKernel, OpDef } from './op.js';
import { runtime, type OnnxAttributes, type OnnxHandler, type OnnxNodeContext } from './onnx_import.js';
import type { ExecNodeBase, NodeBase, Shape, Tensor } from './types.js';

export type { CoordinateTransform, NearestMode, ResizeMode } from '../kernels/resize.js';

export interface ResizeOptions {
  name?: string;
  /** The output [height, width] (ONNX's sizes); give this or `scale`. */
  size?: Pair;
  /** Scale factors of [H, W] (ONNX's scales): the output is floor(in·scale) and the coordinates use the scale itself. */
  scale?: Pair;
  /** Default 'nearest' (ONNX's default). */
  mode?: ResizeMode;
  /** Default 'half_pixel'. */
  coordinateTransform?: CoordinateTransform;
  /** Default 'round_prefer_floor'. */
  nearestMode?: NearestMode;
  /** Cubic's A; default −0.75 (PyTorch's bicubic too). */
  cubicCoeffA?: number;
  /** Cubic: weights of taps outside the input become 0 and the rest are renormalized. Default false. */
  excludeOutside?: boolean;
  /** tf_crop_and_resize only: the region [startH, startW, endH, endW] in normalized input coordinates; default [0, 0, 1, 1]. */
  roi?: readonly [number, number, number, number];
  /** tf_crop_and_resize only: the value written where the region leaves the input; default 0. */
  extrapolationValue?: number;
}

export interface ResizeAttrs extends ResizeSampling {
  outHeight: number;
  outWidth: number;
  /** The scales given ([H, W]); absent when the size was given. */
  scale?: readonly [number, number];
  roi: readonly [number, number, number, number];
  extrapolationValue: number;
}

export interface ResizeNode extends NodeBase {
  readonly op: 'resize';
  readonly attrs: ResizeAttrs;
}

export interface ResizeExecNode extends ExecNodeBase {
  readonly kind: 'resize';
  readonly attrs: ResizeAttrs;
}

const pairOf = (v: Pair): [number, number] => (typeof v === 'number' ? [v, v] : [v[0], v[1]]);

function oneOf<T extends string>(name: string, what: string, value: T | undefined, allowed: readonly T[], fallback: T): T {
  const v = value ?? fallback;
  if (!allowed.includes(v)) throw new GraphError(name, `${what} must be one of ${allowed.join(', ')}, got "${String(v)}"`);
  return v;
}

/** The H and W axes of a resize as the kernel samples them. */
export function resizeAxes(inHeight: number, inWidth: number, a: ResizeAttrs): [ResizeAxis, ResizeAxis] {
  return [
    { inLength: inHeight, outLength: a.outHeight, scale: a.scale?.[0], roiStart: a.roi[0], roiEnd: a.roi[2] },
    { inLength: inWidth, outLength: a.outWidth, scale: a.scale?.[1], roiStart: a.roi[1], roiEnd: a.roi[3] },
  ];
}

/** Resize of H and W of [N, C, H, W] to `size`, or by `scale`. */
export function resize(b: BuildContext, x: Tensor, o: ResizeOptions): Tensor {
  const name = b.nodeName(o.name, 'resize');
  const [n, c, h, w] = requireImage(x, name);
  if ((o.size === undefined) === (o.scale === undefined)) throw new GraphError(name, 'give exactly one of size and scale');
  let outHeight: number;
  let outWidth: number;
  let scale: [number, number] | undefined;
  if (o.size !== undefined) {
    [outHeight, outWidth] = pairOf(o.size);
    if (![outHeight, outWidth].every((s) => Number.isInteger(s) && s >= 1)) throw new GraphError(name, `size must be positive integers, got [${outHeight}, ${outWidth}]`);
  } else {
    // ONNX holds scales as float32: rounding here makes an exported model resize exactly as this one
    scale = pairOf(o.scale!).map((s) => Math.fround(s)) as [number, number];
    if (!scale.every((s) => Number.isFinite(s) && s > 0)) throw new GraphError(name, `scale must be finite and > 0, got [${pairOf(o.scale!).join(', ')}]`);
    outHeight = Math.floor(h * scale[0]);
    outWidth = Math.floor(w * scale[1]);
    if (outHeight < 1 || outWidth < 1) throw new GraphError(name, `scale [${scale.join(', ')}] makes the ${h}×${w} input ${outHeight}×${outWidth}`);
  }
  const coordinateTransform = oneOf(name, 'coordinateTransform', o.coordinateTransform, COORDINATE_TRANSFORMS, 'half_pixel');
  const roi = o.roi ?? [0, 0, 1, 1];
  if (o.roi !== undefined && coordinateTransform !== 'tf_crop_and_resize') throw new GraphError(name, `roi is used only by coordinateTransform 'tf_crop_and_resize', not '${coordinateTransform}'`);
  if (roi.length !== 4 || !roi.every(Number.isFinite)) throw new GraphError(name, `roi must be four finite numbers [startH, startW, endH, endW], got [${roi.join(', ')}]`);
  const cubicCoeffA = o.cubicCoeffA ?? -0.75;
  if (!Number.isFinite(cubicCoeffA)) throw new GraphError(name, `cubicCoeffA must be finite, got ${cubicCoeffA}`);
  const attrs: ResizeAttrs = {
    outHeight,
    outWidth,
    ...(scale ? { scale } : {}),
    mode: oneOf(name, 'mode', o.mode, RESIZE_MODES, 'nearest'),
    coordinateTransform,
    nearestMode: oneOf(name, 'nearestMode', o.nearestMode, NEAREST_MODES, 'round_prefer_floor'),
    cubicCoeffA,
    excludeOutside: o.excludeOutside ?? false,
    roi: [roi[0], roi[1], roi[2], roi[3]],
    extrapolationValue: o.extrapolationValue ?? 0,
  };
  return b.node<ResizeNode>({ op: 'resize', name, attrs }, [x], [n, c, outHeight, outWidth]);
}

/** Whether sampling this axis returns every input index unchanged (ONNX runs every axis; we resize H and W only). */
function isIdentityAxis(axis: ResizeAxis, s: ResizeSampling): boolean {
  if (axis.outLength !== axis.inLength) return false;
  const t = resizeTable(axis, s);
  const taps = RESIZE_TAPS[s.mode];
  for (let x = 0; x < axis.outLength; x++) {
    const at = x * RESIZE_TABLE_ENTRY;
    if (t[at]! < 0) return false;
    let own = 0;
    let other = 0;
    for (let k = 0; k < taps; k++) {
      const weight = t[at + RESIZE_WEIGHTS_AT + k]!;
      if (t[at + k] === x) own += weight;
      else other += Math.abs(weight);
    }
    if (Math.abs(own - 1) > 1e-6 || other > 1e-6) return false;
  }
  return true;
}

function importMode(c: OnnxNodeContext, allowed: readonly string[]): ResizeMode {
  const mode = c.attrs.string('mode', 'nearest');
  if (!allowed.includes(mode)) throw c.unsupported('attribute', `mode "${mode}" is not supported (${allowed.join(', ')})`);
  return mode as ResizeMode;
}

/**
 * Before Resize-11 (Upsample, Resize-10) sampling was asymmetric and nearest
 * truncated upward when downsampling, as ONNX Runtime keeps for these opsets.
 */
function legacyNearestMode(c: OnnxNodeContext, scales: readonly number[]): NearestMode {
  const down = scales.slice(2).map((s) => s < 1);
  if (down[0] !== down[1] && scales[2] !== 1 && scales[3] !== 1) throw c.unsupported('attribute', `${c.opType}-${c.opset} nearest that upsamples one axis and downsamples the other (scales [${scales.join(', ')}]) is not supported`);
  return down[0] || down[1] ? 'ceil' : 'floor';
}

interface ImportedResize {
  scales?: number[];
  sizes?: number[];
  roi?: number[];
  sampling: ResizeSampling;
  extrapolationValue: number;
}

/** Builds the resize of an [N, C, H, W] input from ONNX's rank-4 scales or sizes, refusing any that move N or C. */
function buildImported(c: OnnxNodeContext, r: ImportedResize) {
  const v = c.runtimeInput(0);
  if (v.shape.length !== 4) throw c.unsupported('shape', `only ${c.opType} of [N, C, H, W] is supported, the input is [${v.shape.join(', ')}]`);
  const given = r.scales ?? r.sizes!;
  const what = r.scales ? `scales [${r.scales.join(', ')}]` : `sizes [${r.sizes!.join(', ')}]`;
  if (given.length !== 4) throw c.format(`${what} must have one value per input axis (4)`);
  if (r.scales && !r.scales.every((s) => Number.isFinite(s) && s > 0)) throw c.format(`${what} must be finite and > 0`);
  if (r.sizes && !r.sizes.every((s) => Number.isSafeInteger(s) && s >= 1)) throw c.format(`${what} must be positive integers`);
  const roi = r.roi ?? [0, 0, 0, 0, 1, 1, 1, 1];
  if (roi.length !== 8) throw c.format(`roi [${roi.join(', ')}] must have 8 values (starts then ends of the 4 axes)`);
  for (const axis of [0, 1]) {
    const a: ResizeAxis = {
      inLength: v.shape[axis]!,
      outLength: r.scales ? Math.floor(v.shape[axis]! * r.scales[axis]!) : r.sizes![axis]!,
      scale: r.scales?.[axis],
      roiStart: roi[axis],
      roiEnd: roi[axis + 4],
    };
    if (a.outLength < 1 || !isIdentityAxis(a, r.sampling)) {
      throw c.unsupported('attribute', `${c.opType} of axis ${axis} (${axis === 0 ? 'N' : 'C'}) is not supported: ${what}${r.roi ? `, roi [${roi.join(', ')}]` : ''} must leave N and C as they are`);
    }
  }
  const o: ResizeOptions = {
    name: c.name,
    ...(r.scales ? { scale: [r.scales[2]!, r.scales[3]!] as const } : { size: [r.sizes![2]!, r.sizes![3]!] as const }),
    ...r.sampling,
    ...(r.sampling.coordinateTransform === 'tf_crop_and_resize' ? { roi: [roi[2]!, roi[3]!, roi[6]!, roi[7]!] as const, extrapolationValue: r.extrapolationValue } : {}),
  };
  return [runtime(resize(c.build, c.tensor(v), o))];
}

/** A constant input that may be given as an empty tensor meaning "absent" (Resize-11's scales when sizes are given). */
function optionalFloats(c: OnnxNodeContext, i: number, what: string): number[] | undefined {
  if (!c.inputs[i]) return undefined;
  const t = c.constInput(i, what);
  return t.data.length ? Array.from(t.data) : undefined;
}

const importResize: OnnxHandler = (c) => {
  if (c.opset < 11) {
    const scales = Array.from(c.constInput(1, 'scales').data);
    const mode = importMode(c, ['nearest', 'linear']);
    const sampling: ResizeSampling = { mode, coordinateTransform: 'asymmetric', nearestMode: mode === 'nearest' ? legacyNearestMode(c, scales) : 'floor', cubicCoeffA: -0.75, excludeOutside: false };
    return buildImported(c, { scales, sampling, extrapolationValue: 0 });
  }
  if (c.attrs.int('antialias', 0) !== 0) throw c.unsupported('attribute', 'antialias is not supported');
  const policy = c.attrs.string('keep_aspect_ratio_policy', 'stretch');
  if (policy !== 'stretch') throw c.unsupported('attribute', `keep_aspect_ratio_policy "${policy}" is not supported (only stretch)`);
  if (c.attrs.has('axes')) throw c.unsupported('attribute', 'the axes attribute is not supported: give scales or sizes for all 4 axes');
  const transform = c.attrs.string('coordinate_transformation_mode', 'half_pixel');
  if (!(COORDINATE_TRANSFORMS as readonly string[]).includes(transform)) throw c.unsupported('attribute', `coordinate_transformation_mode "${transform}" is not supported`);
  const nearestMode = c.attrs.string('nearest_mode', 'round_prefer_floor');
  if (!(NEAREST_MODES as readonly string[]).includes(nearestMode)) throw c.unsupported('attribute', `nearest_mode "${nearestMode}" is not supported`);
  const sampling: ResizeSampling = {
    mode: importMode(c, RESIZE_MODES),
    coordinateTransform: transform as CoordinateTransform,
    nearestMode: nearestMode as NearestMode,
    cubicCoeffA: c.attrs.float('cubic_coeff_a', -0.75),
    excludeOutside: c.attrs.int('exclude_outside', 0) !== 0,
  };
  const scales = optionalFloats(c, 2, 'scales');
  const sizes = c.inputs[3] ? c.optionalInts(3, 'sizes') : undefined;
  const hasSizes = sizes !== undefined && sizes.length > 0;
  if ((scales !== undefined) === hasSizes) throw c.format('Resize needs exactly one of scales and sizes');
  const roi = transform === 'tf_crop_and_resize' ? optionalFloats(c, 1, 'roi') : undefined;
  if (transform === 'tf_crop_and_resize' && !roi) throw c.format('tf_crop_and_resize needs a roi');
  return buildImported(c, { ...(scales ? { scales } : { sizes: sizes! }), ...(roi ? { roi } : {}), sampling, extrapolationValue: c.attrs.float('extrapolation_value', 0) });
};

/** Upsample-7's scales attribute is FLOATS: the importer's attributes read them (onnx/attributes.ts), the shared interface does not declare it yet. */
const floatsAttr = (a: OnnxAttributes, name: string): number[] | undefined => (a as OnnxAttributes & { floats(name: string): number[] | undefined }).floats(name);

const importUpsample: OnnxHandler = (c) => {
  const scales = c.opset < 9 ? floatsAttr(c.attrs, 'scales') : Array.from(c.constInput(1, 'scales').data);
  if (!scales) throw c.format('Upsample needs scales');
  // Upsample-7 also accepts 'bilinear' for linear
  const mode = c.attrs.string('mode', 'nearest') === 'bilinear' ? 'linear' : importMode(c, ['nearest', 'linear']);
  const sampling: ResizeSampling = { mode, coordinateTransform: 'asymmetric', nearestMode: mode === 'nearest' ? legacyNearestMode(c, scales) : 'floor', cubicCoeffA: -0.75, excludeOutside: false };
  return buildImported(c, { scales, sampling, extrapolationValue: 0 });
};

function exportResize(n: ResizeNode, c: ExportContext): void {
  const a = n.attrs;
  const [batch, channels] = c.shape(n.inputs[0]!) as Shape;
  const crop = a.coordinateTransform === 'tf_crop_and_resize';
  const roi = crop ? c.floats(`${n.name}.roi`, Float32Array.from([0, 0, a.roi[0], a.roi[1], 1, 1, a.roi[2], a.roi[3]])) : '';
  const inputs = a.scale
    ? [c.name(n.inputs[0]!), roi, c.floats(`${n.name}.scales`, Float32Array.from([1, 1, a.scale[0], a.scale[1]]))]
    : [c.name(n.inputs[0]!), roi, '', c.int64s(`${n.name}.sizes`, [batch!, channels!, a.outHeight, a.outWidth])];
  c.emit({
    op: 'Resize',
    name: n.name,
    inputs,
    outputs: [c.name(n.output)],
    attrs: {
      mode: { string: a.mode },
      coordinate_transformation_mode: { string: a.coordinateTransform },
      nearest_mode: { string: a.nearestMode },
      cubic_coeff_a: { float: a.cubicCoeffA },
      exclude_outside: { int: a.excludeOutside ? 1 : 0 },
      extrapolation_value: { float: a.extrapolationValue },
    },
  });
}

export const resizeOp: OpDef<ResizeNode> = {
  ops: ['resize'],
  lower: (n, c): ResizeExecNode => ({ ...c.base, kind: 'resize', attrs: n.attrs }),
  macs: (n, shape) => shape(n.output).reduce((p, d) => p * d, 1) * RESIZE_TAPS[n.attrs.mode] ** 2,
  exportOnnx: exportResize,
  onnx: { Resize: importResize, Upsample: importUpsample },
};

export const resizeKernel: KernelDef<ResizeExecNode> = {
  kinds: ['resize'],
  kernel: (n, c: KernelContext): NodeKernel => {
    const [batch, channels, inHeight, inWidth] = c.shape(n.inputs[0]!) as [number, number, number, number];
    const a = n.attrs;
    const [rowsAxis, colsAxis] = resizeAxes(inHeight, inWidth, a);
    const p = { batch, channels, inHeight, inWidth, outHeight: a.outHeight, outWidth: a.outWidth, mode: a.mode, extrapolationValue: a.extrapolationValue };
    return {
      weights: { rows: resizeTable(rowsAxis, a), cols: resizeTable(colsAxis, a) },
      scratchFloats: 0,
      writesSlices: true,
      dispatches: (b) => [resize2d(p, { input: b.read(n.inputs[0]!), rows: b.weights.rows!, cols: b.weights.cols!, output: b.write }, b.slice, c.label)],
    };
  },
};
