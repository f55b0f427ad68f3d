/**
 * A conv layer's geometry, validated once: every kernel strategy and the
 * reference take the same object. Layout conventions: activations NHWC,
 * PyTorch weights OIHW (re-laid-out per strategy at load).
 */
import { InvalidParameterError } from '../errors.js';

export interface Conv2dParams {
  batch: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  outChannels: number;
  kernelHeight: number;
  kernelWidth: number;
  strideH?: number;
  strideW?: number;
  dilationH?: number;
  dilationW?: number;
  /** Symmetric padding; padTop/padBottom/padLeft/padRight override it per side. */
  pad?: number;
  padTop?: number;
  padBottom?: number;
  padLeft?: number;
  padRight?: number;
  groups?: number;
}

/** Conv2dParams with every default filled in and the output size computed. */
export interface Conv2dShape extends Required<Conv2dParams> {
  outHeight: number;
  outWidth: number;
}

/** floor((n + padBefore + padAfter − dilation·(f−1) − 1) / s) + 1: the course's floor((n+2p−f)/s)+1 generalized. */
export function convOutputSize(n: number, f: number, stride: number, padBefore: number, padAfter: number, dilation = 1): number {
  return Math.floor((n + padBefore + padAfter - dilation * (f - 1) - 1) / stride) + 1;
}

export function positiveInteger(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new InvalidParameterError(name, `must be a positive integer, got ${v}`);
}

function nonNegativeInteger(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0) throw new InvalidParameterError(name, `must be a non-negative integer, got ${v}`);
}

/** The sliding-window geometry conv and pooling share. */
export interface WindowGeometry {
  inHeight: number;
  inWidth: number;
  kernelHeight: number;
  kernelWidth: number;
  dilationH: number;
  dilationW: number;
  padTop: number;
  padBottom: number;
  padLeft: number;
  padRight: number;
}

/** Throws InvalidParameterError (kernelHeight / kernelWidth) when the dilated window is larger than the padded input. */
export function checkWindowFits(s: WindowGeometry, noun: 'kernel' | 'window'): void {
  const effH = s.dilationH * (s.kernelHeight - 1) + 1;
  const effW = s.dilationW * (s.kernelWidth - 1) + 1;
  if (effH > s.inHeight + s.padTop + s.padBottom) {
    throw new InvalidParameterError('kernelHeight', `${noun} spans ${effH} rows but the padded input has ${s.inHeight + s.padTop + s.padBottom}`);
  }
  if (effW > s.inWidth + s.padLeft + s.padRight) {
    throw new InvalidParameterError('kernelWidth', `${noun} spans ${effW} columns but the padded input has ${s.inWidth + s.padLeft + s.padRight}`);
  }
}

/** Fills defaults, validates, and computes the output size; throws InvalidParameterError naming the parameter. */
export function conv2dShape(p: Conv2dParams): Conv2dShape {
  const pad = p.pad ?? 0;
  const s: Conv2dShape = {
    ...p,
    strideH: p.strideH ?? 1,
    strideW: p.strideW ?? 1,
    dilationH: p.dilationH ?? 1,
    dilationW: p.dilationW ?? 1,
    pad,
    padTop: p.padTop ?? pad,
    padBottom: p.padBottom ?? pad,
    padLeft: p.padLeft ?? pad,
    padRight: p.padRight ?? pad,
    groups: p.groups ?? 1,
    outHeight: 0,
    outWidth: 0,
  };
  for (const k of ['batch', 'inHeight', 'inWidth', 'inChannels', 'outChannels', 'kernelHeight', 'kernelWidth', 'strideH', 'strideW', 'dilationH', 'dilationW', 'groups'] as const) {
    positiveInteger(k, s[k]);
  }
  for (const k of ['pad', 'padTop', 'padBottom', 'padLeft', 'padRight'] as const) nonNegativeInteger(k, s[k]);
  if (s.inChannels % s.groups) throw new InvalidParameterError('groups', `${s.groups} groups do not divide ${s.inChannels} input channels`);
  if (s.outChannels % s.groups) throw new InvalidParameterError('groups', `${s.groups} groups do not divide ${s.outChannels} output channels`);
  checkWindowFits(s, 'kernel');
  s.outHeight = convOutputSize(s.inHeight, s.kernelHeight, s.strideH, s.padTop, s.padBottom, s.dilationH);
  s.outWidth = convOutputSize(s.inWidth, s.kernelWidth, s.strideW, s.padLeft, s.padRight, s.dilationW);
  return s;
}

/** Where a kernel writes its output: a channel slice of a wider NHWC tensor (concat without copies). */
export interface ChannelSlice {
  /** Channels per pixel of the destination tensor. */
  channelStride: number;
  /** First channel this kernel writes. */
  channelOffset: number;
}

export function fullSlice(channels: number): ChannelSlice {
  return { channelStride: channels, channelOffset: 0 };
}

export function validateSlice(slice: ChannelSlice, channels: number): void {
  nonNegativeInteger('channelOffset', slice.channelOffset);
  if (slice.channelOffset + channels > slice.channelStride) {
    throw new InvalidParameterError('channelStride', `slice [${slice.channelOffset}, ${slice.channelOffset + channels}) exceeds ${slice.channelStride} channels`);
  }
}
