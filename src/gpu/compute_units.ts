/**
 * How many workgroups a device runs at once, roughly: its compute units
 * (NVIDIA SMs, AMD CUs/WGPs, Intel Xe cores, Apple GPU cores). WebGPU's
 * GPUAdapterInfo has no such count, so it is read from a small table keyed
 * on what the adapter does say (vendor, architecture, description); the GEMM
 * grid planner (kernels/gemm_grid.ts) sizes launches to it, and the compile
 * option `computeUnits` overrides it.
 */
import type { DeviceClass, GpuAdapterDescription } from './device.js';

/**
 * For a discrete GPU the table does not know: a mid-range part's count
 * (RTX 3060/4060 have 28–34 SMs, RX 6600/7600 have 28–32 CUs), so GEMMs are
 * split for it only where even a small GPU would idle.
 */
export const DEFAULT_COMPUTE_UNITS = 32;

/** For CPU emulation (SwiftShader, llvmpipe) without navigator.hardwareConcurrency: its worker threads. */
export const DEFAULT_CPU_THREADS = 4;

/**
 * Known parts, first match wins; tested against "vendor architecture
 * description" lowercased. The counts are the largest common configuration
 * of the family (an H100 PCIe has 114 SMs, the SXM 132): a wave that is a
 * little too large only splits a GEMM a little more.
 */
const KNOWN: readonly (readonly [RegExp, number])[] = [
  [/\bh100\b|\bh200\b|\bh800\b|\bgh200\b|hopper/, 132],
  [/\bb100\b|\bb200\b|blackwell/, 148],
  [/\ba100\b|\ba800\b/, 108],
  [/rtx 4090/, 128],
  [/rtx 4080/, 76],
  [/rtx 3090/, 82],
  [/rtx 3080/, 68],
  [/\bl40s?\b/, 142],
  [/\bl4\b/, 58],
  [/\bt4\b|turing/, 40],
  [/ampere/, 108],
  [/lovelace|\bada\b/, 76],
  [/mi300/, 304],
  [/mi250|mi210|mi200|cdna/, 104],
  [/rx 7900|rdna-?3/, 96],
  [/rx 6900|rx 6800|rdna-?2/, 72],
  [/apple m\d (max|ultra)|metal-3/, 38],
  [/apple|metal/, 10],
  [/arc a7|xe-?hpg|alchemist/, 32],
  [/intel|gen-?1[12]|xe-?lp/, 12],
  [/adreno|mali|powervr/, 8],
];

/**
 * The compute units of the adapter described: the table above for GPUs it
 * knows, DEFAULT_COMPUTE_UNITS for other GPUs, and the host's hardware
 * threads for CPU emulation (whose "workgroups at once" are its threads).
 *
 * @example
 * computeUnitsOf({ vendor: 'nvidia', architecture: 'hopper', description: '' }, 'gpu'); // 132
 */
export function computeUnitsOf(adapter: Partial<GpuAdapterDescription>, deviceClass: DeviceClass, hardwareThreads = hostThreads()): number {
  if (deviceClass === 'cpu') return Math.max(1, hardwareThreads ?? DEFAULT_CPU_THREADS);
  const text = `${adapter.vendor ?? ''} ${adapter.architecture ?? ''} ${adapter.description ?? ''}`.toLowerCase();
  for (const [pattern, units] of KNOWN) if (pattern.test(text)) return units;
  return DEFAULT_COMPUTE_UNITS;
}

function hostThreads(): number | undefined {
  const n = (globalThis.navigator as { hardwareConcurrency?: number } | undefined)?.hardwareConcurrency;
  return typeof n === 'number' && Number.isInteger(n) && n > 0 ? n : undefined;
}
