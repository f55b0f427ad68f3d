/**
 * Which candidate of a conv layer the bench marks "auto": the one compile()
 * really runs there with no strategy forced — chooseConvStrategy for the
 * adapter class in use (a GPU and a CPU-emulated adapter such as SwiftShader
 * follow different rules), with the strategy's own GEMM tile.
 */
import type { DeviceClass } from '../gpu/device.js';
import { chooseConvStrategy } from '../kernels/conv2d.js';
import type { Conv2dShape } from '../kernels/conv2d_shape.js';

/** The rules each adapter class's `auto` follows, as the page names them. */
export const AUTO_RULES: Readonly<Record<DeviceClass, string>> = {
  gpu: 'GPU rules',
  cpu: 'CPU-emulation rules',
};

export interface AutoMark {
  /** The candidate's name as the bench lists it (the plain strategy: its default tile). */
  candidate: string;
  deviceClass: DeviceClass;
  /** "auto (CPU-emulation rules)". */
  label: string;
}

/**
 * @example
 * autoMark(shape, ctx.deviceClass); // { candidate: 'direct', deviceClass: 'cpu', label: 'auto (CPU-emulation rules)' }
 */
export function autoMark(shape: Conv2dShape, deviceClass: DeviceClass): AutoMark {
  return { candidate: chooseConvStrategy(shape, deviceClass), deviceClass, label: `auto (${AUTO_RULES[deviceClass]})` };
}
