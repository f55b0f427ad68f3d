/** Typed access to a node's attributes; a wrong attribute type is an OnnxFormatError naming the node. */
import { OnnxFormatError } from '../errors.js';
import { AttributeType, type AttributeProto, type NodeProto, type TensorProto } from './proto.js';

export class Attributes {
  private readonly byName = new Map<string, AttributeProto>();

  constructor(
    node: NodeProto,
    private readonly nodeName: string,
  ) {
    for (const a of node.attribute ?? []) if (a.name) this.byName.set(a.name, a);
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  int(name: string, fallback: number): number;
  int(name: string): number | undefined;
  int(name: string, fallback?: number): number | undefined {
    const a = this.get(name, AttributeType.INT);
    if (!a) return fallback;
    const v = a.i ?? 0;
    if (!Number.isFinite(v)) throw this.bad(name, `is not an integer`);
    return v;
  }

  float(name: string, fallback: number): number;
  float(name: string): number | undefined;
  float(name: string, fallback?: number): number | undefined {
    const a = this.get(name, AttributeType.FLOAT);
    return a ? (a.f ?? 0) : fallback;
  }

  ints(name: string): number[] | undefined {
    const a = this.get(name, AttributeType.INTS);
    if (!a) return undefined;
    const v = a.ints ?? [];
    if (v.length > 1 << 16) throw this.bad(name, `has ${v.length} values`);
    return [...v];
  }

  floats(name: string): number[] | undefined {
    const a = this.get(name, AttributeType.FLOATS);
    return a ? [...(a.floats ?? [])] : undefined;
  }

  string(name: string, fallback: string): string {
    const a = this.get(name, AttributeType.STRING);
    return a ? new TextDecoder().decode(a.s ?? new Uint8Array()) : fallback;
  }

  tensor(name: string): TensorProto | undefined {
    return this.get(name, AttributeType.TENSOR)?.t ?? undefined;
  }

  /** Names of the attributes present, for Constant's one-of. */
  names(): string[] {
    return [...this.byName.keys()];
  }

  private get(name: string, type: number): AttributeProto | undefined {
    const a = this.byName.get(name);
    if (!a) return undefined;
    if (a.refAttrName) throw this.bad(name, 'refers to a function attribute (only allowed inside functions)');
    // type is required since IR 2; infer it from the populated field for older files
    const actual = a.type ?? inferType(a);
    if (actual !== type) throw this.bad(name, `has attribute type ${actual}, expected ${type}`);
    return a;
  }

  private bad(name: string, message: string): OnnxFormatError {
    return new OnnxFormatError(`attribute "${name}" ${message}`, { node: this.nodeName });
  }
}

function inferType(a: AttributeProto): number {
  if (a.ints?.length) return AttributeType.INTS;
  if (a.floats?.length) return AttributeType.FLOATS;
  if (a.strings?.length) return AttributeType.STRINGS;
  if (a.t) return AttributeType.TENSOR;
  if (a.g) return AttributeType.GRAPH;
  if (a.s) return AttributeType.STRING;
  if (a.f !== undefined) return AttributeType.FLOAT;
  if (a.i !== undefined) return AttributeType.INT;
  return 0;
}
