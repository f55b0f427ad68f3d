/**
 * Typed errors. Every failure the library can explain has its own class, so
 * callers can branch with `instanceof` and users read a message that names
 * the cause and, where there is one, the fix.
 */

/** Base class of every error thrown by webgpu-cnn. */
export class WebGpuCnnError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    // subclasses in this file also set `name` as a literal: minifiers rename classes
    this.name = new.target.name;
  }
}

/** No WebGPU implementation or no adapter: `reason` says which, `message` says what to do. */
export class WebGpuUnavailableError extends WebGpuCnnError {
  override readonly name: string = 'WebGpuUnavailableError';
  constructor(
    readonly reason: 'no-webgpu' | 'no-adapter' | 'device-request-failed',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A layer or kernel parameter is out of range or inconsistent; `parameter` names it. */
export class InvalidParameterError extends WebGpuCnnError {
  override readonly name: string = 'InvalidParameterError';
  constructor(
    readonly parameter: string,
    message: string,
  ) {
    super(`invalid ${parameter}: ${message}`);
  }
}

/** A kernel cannot serve this shape (e.g. the pointwise strategy on a 3×3 conv). */
export class UnsupportedConfigurationError extends WebGpuCnnError {
  override readonly name: string = 'UnsupportedConfigurationError';
}

/**
 * A tensor or weight exceeds what one storage binding of this device can
 * hold. `what` names it by layer and role (`output of layer "conv1"`,
 * `weight of layer "fc"`).
 */
export class BindingLimitError extends WebGpuCnnError {
  override readonly name: string = 'BindingLimitError';
  constructor(
    readonly what: string,
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(
      `${clipName(what, 120)} needs ${bytes} bytes in one storage binding, but this device allows ${limit} (${formatBytes(bytes)} > ${formatBytes(limit)}, maxStorageBufferBindingSize): ` +
        'use a smaller batch or input size, or a GPU whose adapter offers a larger limit',
    );
  }
}

/** A shader failed to compile or its reflected interface disagrees with its TS descriptor. */
export class ShaderError extends WebGpuCnnError {
  override readonly name: string = 'ShaderError';
}

/** A graph is inconsistent at a node (shape mismatch at add/concat, wrong rank…); `node` names it. */
export class GraphError extends WebGpuCnnError {
  override readonly name: string = 'GraphError';
  constructor(
    readonly node: string,
    message: string,
  ) {
    super(`node "${node}": ${message}`);
  }
}

/**
 * Parameters missing, unexpected, or of the wrong shape. The lists hold every
 * problem; the message summarizes them (counts and the first few names) and
 * says what the pattern suggests: a prefix to strip, or a file made for
 * another architecture. A `misshapen` entry has `actual`, the number of
 * values given, and where the source knew it (a safetensors file does)
 * `actualShape`, compared exactly. `parameterCount`, where given, is how many
 * parameters the graph declares.
 */
export class WeightError extends WebGpuCnnError {
  override readonly name: string = 'WeightError';
  constructor(
    readonly missing: readonly string[],
    readonly unexpected: readonly string[],
    readonly misshapen: readonly { name: string; expected: readonly number[]; actual: number; actualShape?: readonly number[] }[],
    readonly parameterCount?: number,
  ) {
    const shape = (s: readonly number[]) => clipName(`[${s.join(', ')}]`, 40);
    const bySize = misshapen.filter((m) => !m.actualShape);
    const byShape = misshapen.filter((m) => m.actualShape);
    const of = parameterCount !== undefined && missing.length > MESSAGE_NAMES ? ` of ${parameterCount} graph parameters` : '';
    const hint = weightHint(missing, unexpected, parameterCount);
    const message = (shown: number) =>
      'weights do not match the graph: ' +
      [
        missing.length ? `missing ${summarizeNames(missing, of, shown)}` : '',
        unexpected.length ? `unexpected ${summarizeNames(unexpected, '', shown)}` : '',
        bySize.length ? `wrong size ${summarizeNames(bySize.map((m) => `${clipName(m.name)} (expected ${shape(m.expected)} = ${m.expected.reduce((a, b) => a * b, 1)} values, got ${m.actual})`), '', Math.min(shown, 2))}` : '',
        byShape.length ? `wrong shape ${summarizeNames(byShape.map((m) => `${clipName(m.name)} (expected ${shape(m.expected)}, got ${shape(m.actualShape!)})`), '', Math.min(shown, 2))}` : '',
        hint,
      ]
        .filter(Boolean)
        .join('; ');
    // three names of each list where that stays short, fewer when every list is long
    let text = message(MESSAGE_NAMES);
    for (let shown = MESSAGE_NAMES - 1; shown >= 1 && text.length > MESSAGE_BUDGET; shown--) text = message(shown);
    super(text);
  }
}

/** The length a WeightError message aims to stay under. */
const MESSAGE_BUDGET = 400;

/** How many names a message lists before it says "and N more". */
const MESSAGE_NAMES = 3;

/** A name for a message: long ones (a hostile file's) are cut, the full one stays on the error's properties. */
export function clipName(name: string, max = 48): string {
  return name.length <= max ? name : `${name.slice(0, max - 1)}…`;
}

/**
 * A list for a message: every item when there are few, else the count and
 * the first few — `120 of 122 graph parameters (a, b, c and 117 more)`.
 */
export function summarizeNames(names: readonly string[], countSuffix = '', shown = MESSAGE_NAMES): string {
  if (names.length <= shown) return names.map((n) => clipName(n, 160)).join(', ');
  const first = names.slice(0, shown).map((n) => clipName(n, 160)).join(', ');
  return `${names.length}${countSuffix} (${first} and ${names.length - shown} more)`;
}

/** What a pattern of missing and unexpected names suggests, or '' when nothing does. */
function weightHint(missing: readonly string[], unexpected: readonly string[], parameterCount: number | undefined): string {
  if (missing.length && unexpected.length) {
    const extra = sharedPrefix(unexpected, new Set(missing));
    if (extra !== undefined) return `the file's names carry an extra prefix "${clipName(extra)}" (strip it from its keys)`;
    const lacking = sharedPrefix(missing, new Set(unexpected));
    if (lacking !== undefined) return `the file's names lack the graph's prefix "${clipName(lacking)}" (add it to its keys)`;
  }
  if (parameterCount !== undefined && missing.length * 2 > parameterCount) {
    return `is this file for another architecture? only ${parameterCount - missing.length} of ${parameterCount} graph parameters are in it`;
  }
  if (parameterCount === undefined && missing.length > MESSAGE_NAMES && unexpected.length > MESSAGE_NAMES) return 'is this file for another architecture?';
  return '';
}

/** A dotted prefix that, stripped from most of `names`, leaves a name in `others`. */
function sharedPrefix(names: readonly string[], others: ReadonlySet<string>): string | undefined {
  for (const probe of names.slice(0, 8)) {
    for (let dot = probe.indexOf('.'); dot >= 0; dot = probe.indexOf('.', dot + 1)) {
      const prefix = probe.slice(0, dot + 1);
      if (!others.has(probe.slice(prefix.length))) continue;
      const hits = names.filter((n) => n.startsWith(prefix) && others.has(n.slice(prefix.length))).length;
      if (hits * 2 >= names.length) return prefix;
    }
  }
  return undefined;
}

/** run() got an input of the wrong shape, length or type; `input` names it. */
export class InputError extends WebGpuCnnError {
  override readonly name: string = 'InputError';
  constructor(
    readonly input: string,
    message: string,
  ) {
    super(`input "${input}": ${message}`);
  }
}

/** A run's output read as the wrong element type (RunResult.float of an int64 output, or int64 of a float one) or not in the result; `output` names it. */
export class OutputTypeError extends WebGpuCnnError {
  override readonly name: string = 'OutputTypeError';
  constructor(
    readonly output: string,
    message: string,
  ) {
    super(`output "${output}": ${message}`);
  }
}

/** A compiled model was used after dispose(). */
export class DisposedError extends WebGpuCnnError {
  override readonly name: string = 'DisposedError';
}

/** The GPU device was lost; pending and later runs reject with this until the model is rebuilt. */
export class DeviceLostError extends WebGpuCnnError {
  override readonly name: string = 'DeviceLostError';
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/** An operation was cancelled through its AbortSignal. */
export class AbortError extends WebGpuCnnError {
  override readonly name: string = 'AbortError';
}

/**
 * A safetensors file is malformed (bad header length, JSON, dtype, offsets,
 * truncated…), holds a tensor that cannot become float32, or could not be
 * fetched; `tensor` names the tensor where one is at fault.
 */
export class SafetensorsError extends WebGpuCnnError {
  override readonly name: string = 'SafetensorsError';
  readonly tensor: string | undefined;
  constructor(message: string, options?: { tensor?: string; cause?: unknown }) {
    super(`safetensors: ${options?.tensor !== undefined ? `tensor "${options.tensor}": ` : ''}${message}`, options);
    this.tensor = options?.tensor;
  }
}

/**
 * An ONNX file is not a well-formed model — not protobuf, truncated or
 * corrupted, or its graph is inconsistent (a node reads a value nothing
 * defines, an initializer's data does not match its dims…) — or could not be
 * fetched or read; `node` names the node at fault where there is one.
 */
export class OnnxFormatError extends WebGpuCnnError {
  override readonly name: string = 'OnnxFormatError';
  readonly node: string | undefined;
  constructor(message: string, options?: { node?: string; cause?: unknown }) {
    super(`onnx: ${options?.node !== undefined ? `node "${options.node}": ` : ''}${message}`, options);
    this.node = options?.node;
  }
}

/**
 * A well-formed ONNX model uses something the importer does not support.
 * `kind` says what: 'operators' (then `operators` lists every unsupported op
 * type with the names of the nodes using it), 'external-data', 'dtype',
 * 'dynamic-shape' (a symbolic dimension to fix with loadOnnx's `inputShapes`),
 * 'attribute' (an op configuration, e.g. Pad's reflect mode) or 'shape' (a
 * tensor rank or layout the runtime cannot hold).
 */
export class UnsupportedOnnxError extends UnsupportedConfigurationError {
  override readonly name: string = 'UnsupportedOnnxError';
  constructor(
    readonly kind: 'operators' | 'external-data' | 'dtype' | 'dynamic-shape' | 'attribute' | 'shape' | 'opset',
    message: string,
    readonly operators: readonly { opType: string; nodes: readonly string[] }[] = [],
  ) {
    super(`onnx: ${message}`);
  }
}

/** Which GPU object or step failed, and for whom: carried by every Gpu*Error. */
export interface GpuFailureSite {
  /** What was being made or done, e.g. `arena 0`, `conv1 weight`, `run`. */
  readonly operation: string;
  /** The layer (graph node) it belongs to, where there is one. */
  readonly layer?: string;
  /** Bytes asked for, for allocations. */
  readonly bytes?: number;
}

/**
 * The GPU reported an error for a command we issued. Subclasses say which
 * kind; `gpuMessage` is the implementation's own text. A compile or run that
 * raised one never resolves with outputs.
 */
export class GpuFailureError extends WebGpuCnnError {
  override readonly name: string = 'GpuFailureError';
  readonly operation: string;
  readonly layer: string | undefined;
  readonly bytes: number | undefined;
  constructor(
    readonly site: GpuFailureSite,
    readonly gpuMessage: string,
    summary: string,
    options?: { cause?: unknown },
  ) {
    super(`${summary}: ${gpuMessage.split('\n')[0]!.slice(0, 300)}`, options);
    this.operation = site.operation;
    this.layer = site.layer;
    this.bytes = site.bytes;
  }
}

function siteText(site: GpuFailureSite): string {
  return `${site.operation}${site.layer !== undefined ? ` of layer "${site.layer}"` : ''}`;
}

/** The GPU could not allocate memory for a buffer (or ran out while executing). */
export class GpuOutOfMemoryError extends GpuFailureError {
  override readonly name: string = 'GpuOutOfMemoryError';
  constructor(site: GpuFailureSite, gpuMessage: string, options?: { cause?: unknown }) {
    const asked = site.bytes !== undefined ? ` (${formatBytes(site.bytes)} asked for)` : '';
    super(site, gpuMessage, `the GPU ran out of memory for ${siteText(site)}${asked}; try a smaller batch or input size, or close other GPU work`, options);
  }
}

/** WebGPU rejected a command as invalid: a bug of ours or an input that breaks a device rule. */
export class GpuValidationError extends GpuFailureError {
  override readonly name: string = 'GpuValidationError';
  constructor(site: GpuFailureSite, gpuMessage: string, options?: { cause?: unknown }) {
    super(site, gpuMessage, `WebGPU rejected ${siteText(site)}`, options);
  }
}

/** The GPU implementation failed internally (e.g. a shader too large for the driver). */
export class GpuInternalError extends GpuFailureError {
  override readonly name: string = 'GpuInternalError';
  constructor(site: GpuFailureSite, gpuMessage: string, options?: { cause?: unknown }) {
    super(site, gpuMessage, `the GPU implementation failed on ${siteText(site)}`, options);
  }
}

/** 1536 → "1.5 KiB": sizes in messages people read (four significant digits). */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return 'unbounded';
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} bytes` : `${Number(value.toPrecision(4))} ${units[unit]}`;
}
