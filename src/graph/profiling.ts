/**
 * `run(x, { profile: true })`: a timestamp pair around each step's compute
 * pass where the device has `timestamp-query`, read back as milliseconds
 * per executed node; where it has none, a Profile that says why.
 */
import type { GpuContext } from '../gpu/device.js';
import { TimestampQueries } from '../gpu/timer.js';

export interface NodeTiming {
  /** The executed node (a fused node is named after its anchor, e.g. the conv). */
  name: string;
  /** The graph nodes it covers. */
  sources: readonly string[];
  milliseconds: number;
}

export interface Profile {
  available: boolean;
  /** Why not, when unavailable. */
  reason?: string;
  nodes: NodeTiming[];
  totalMilliseconds: number;
}

/** Timestamp queries for `steps` passes, or why the device cannot give them. */
export function profileQueries(ctx: GpuContext, steps: number): TimestampQueries | { reason: string } {
  if (!ctx.features.timestampQuery) return { reason: 'this device has no timestamp-query feature (browsers may hide it; in Chrome try --enable-features=WebGPUDeveloperFeatures)' };
  return new TimestampQueries(ctx.device, steps, 'profile');
}

/** The profile of a submitted run: one timing per node, its steps (a concat's copies) summed. */
export async function readProfile(queries: TimestampQueries | { reason: string }, steps: readonly { name: string; sources: readonly string[] }[]): Promise<Profile> {
  if (!(queries instanceof TimestampQueries)) return { available: false, reason: queries.reason, nodes: [], totalMilliseconds: 0 };
  const milliseconds = await queries.read();
  const nodes: NodeTiming[] = [];
  steps.forEach((step, i) => {
    const last = nodes[nodes.length - 1];
    if (last && last.name === step.name) last.milliseconds += milliseconds[i]!;
    else nodes.push({ name: step.name, sources: step.sources, milliseconds: milliseconds[i]! });
  });
  return { available: true, nodes, totalMilliseconds: nodes.reduce((s, n) => s + n.milliseconds, 0) };
}
