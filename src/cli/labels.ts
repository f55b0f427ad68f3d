/**
 * Class names for top-k lines: digits for 10-class MNIST models, ImageNet's
 * 1000 names (shipped with the package) for 1000-class outputs, else none
 * (indices are printed). The ranking itself is the library's topK.
 */
import { topK as sharedTopK } from '../image/top_k.js';
import { imagenetLabels } from '../models/pretrained.js';

export async function labelsFor(classes: number, isDigitModel: boolean): Promise<readonly string[] | undefined> {
  if (isDigitModel && classes === 10) return Array.from({ length: 10 }, (_, i) => String(i));
  return classes === 1000 ? imagenetLabels() : undefined;
}

export interface TopEntry {
  index: number;
  label?: string;
  logit: number;
  probability: number;
}

/** The k largest of one row of logits, with softmax probabilities (display only; the logits are what --output writes). */
export function topK(logits: Float32Array, k: number, labels?: readonly string[]): TopEntry[] {
  return sharedTopK(logits, k, labels).map(({ index, label, logit, score }) => ({ index, ...(labels ? { label } : {}), logit, probability: score }));
}
