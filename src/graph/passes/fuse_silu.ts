/**
 * Recognizes the gated forms ONNX exports write for SiLU and hard-swish —
 * mul(x, sigmoid(x)) and mul(x, hardsigmoid(x; α = 1/6, β = 1/2)), either
 * operand order — and replaces each by one activation node, which
 * fuse_activation can then move into the producer of x (EfficientNet's
 * convs). The gate must feed nothing but the mul.
 */
import { consumerCounts, type ExecGraph, type ExecNode } from '../exec_graph.js';

/** f32 exports write 1/6 as 0.16666667. */
const near = (a: number | undefined, b: number): boolean => a !== undefined && Math.abs(a - b) < 1e-6;

function gatedKind(gate: ExecNode): 'silu' | 'hardswish' | undefined {
  if (gate.kind !== 'activation') return undefined;
  if (gate.activation === 'sigmoid') return 'silu';
  if (gate.activation === 'hardsigmoid' && near(gate.activationParams?.alpha, 1 / 6) && near(gate.activationParams?.beta, 0.5)) return 'hardswish';
  return undefined;
}

export function fuseSilu(g: ExecGraph): ExecGraph {
  const consumers = consumerCounts(g);
  const nodes: (ExecNode | undefined)[] = [...g.nodes];
  const producer = new Map<number, number>();
  nodes.forEach((n, i) => producer.set(n!.output, i));
  for (let i = 0; i < nodes.length; i++) {
    const mul = nodes[i]!;
    if (mul.kind !== 'binary' || mul.op !== 'mul' || mul.activation !== 'none' || mul.constant || mul.inputs.length !== 2) continue;
    const [a, b] = mul.inputs as [number, number];
    for (const [x, s] of [[a, b], [b, a]] as const) {
      const at = producer.get(s);
      const gate = at === undefined ? undefined : nodes[at];
      const kind = gate && gatedKind(gate);
      if (!gate || !kind || gate.inputs[0] !== x || consumers.get(s) !== 1) continue;
      if (g.shapes.get(x)!.join() !== g.shapes.get(mul.output)!.join()) continue;
      nodes[i] = { kind: 'activation', activation: kind, name: mul.name, sources: [...gate.sources, ...mul.sources], inputs: [x], output: mul.output };
      nodes[at!] = undefined;
      break;
    }
  }
  return { ...g, nodes: nodes.filter((n): n is ExecNode => !!n) };
}
