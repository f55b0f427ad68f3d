/**
 * Class names for top-k lines: digits for 10-class MNIST models, ImageNet's
 * 1000 names for 1000-class outputs when the labels JSON ships with the
 * package (src/models/imagenet_labels.json), else none (indices are printed).
 */

// a glob, not an import: the labels file is optional, and an empty match is no build error
const imagenetLabelFiles = import.meta.glob<string[] | { labels: string[] }>('../models/imagenet_labels.json', { import: 'default' });

export async function labelsFor(classes: number, isDigitModel: boolean): Promise<readonly string[] | undefined> {
  if (isDigitModel && classes === 10) return Array.from({ length: 10 }, (_, i) => String(i));
  if (classes !== 1000) return undefined;
  const load = Object.values(imagenetLabelFiles)[0];
  if (!load) return undefined;
  const json = await load();
  const labels = Array.isArray(json) ? json : json.labels;
  return Array.isArray(labels) && labels.length === 1000 ? labels : undefined;
}

export interface TopEntry {
  index: number;
  label?: string;
  logit: number;
  probability: number;
}

/** The k largest of one row of logits, with softmax probabilities (display only; the logits are what --output writes). */
export function topK(logits: Float32Array, k: number, labels?: readonly string[]): TopEntry[] {
  let max = -Infinity;
  for (const v of logits) max = Math.max(max, v);
  let sum = 0;
  for (const v of logits) sum += Math.exp(v - max);
  const order = Array.from(logits.keys()).sort((a, b) => logits[b]! - logits[a]! || a - b);
  return order.slice(0, k).map((index) => ({
    index,
    ...(labels ? { label: labels[index] } : {}),
    logit: logits[index]!,
    probability: Math.exp(logits[index]! - max) / sum,
  }));
}
