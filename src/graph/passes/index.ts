/** The pass pipeline, in order; each pass is a pure ExecGraph → ExecGraph. */
import type { ExecGraph } from '../exec_graph.js';
import { chooseStrategies, type StrategyOptions } from './choose_strategy.js';
import { foldBatchNorm } from './fold_batchnorm.js';
import { foldPad } from './fold_pad.js';
import { fuseActivation } from './fuse_activation.js';
import { fuseResidualAdd } from './fuse_residual.js';
import { fuseSilu } from './fuse_silu.js';
import { inlineConstants } from './inline_constants.js';
import { removeIdentity } from './remove_identity.js';

export interface PassOptions extends StrategyOptions {
  /** Skip BN folding and epilogue fusion (the bench compares fused with unfused). */
  fuse?: boolean;
}

export function runPasses(g: ExecGraph, options: PassOptions, notices: string[]): ExecGraph {
  let out = inlineConstants(removeIdentity(g));
  if (options.fuse !== false) out = fuseActivation(fuseResidualAdd(foldBatchNorm(foldPad(fuseSilu(out)))));
  return chooseStrategies(out, options, notices);
}

export type { StrategyChoice, StrategyOptions } from './choose_strategy.js';
