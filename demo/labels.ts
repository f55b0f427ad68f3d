/** Class names: the ten digits, ImageNet's 1000 (the package's, loaded on first use), or a JSON list the user gives. */
import { imagenetLabels } from './lib.js';


export const DIGIT_LABELS = Array.from({ length: 10 }, (_, i) => String(i));

/** A user's labels file: a JSON array of names, or an object from index to name. */
export function parseLabels(text: string): string[] {
  const value: unknown = JSON.parse(text);
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.every(([k, v]) => /^\d+$/.test(k) && typeof v === 'string')) {
      const out: string[] = [];
      for (const [k, v] of entries) out[Number(k)] = v as string;
      return Array.from(out, (v, i) => v ?? `class ${i}`);
    }
  }
  throw new Error('a labels file must be a JSON array of strings, or an object mapping class indices to strings');
}

/** Names for `count` classes: the user's, ImageNet's for 1000, else "class i". */
export async function labelsFor(count: number, custom: string[] | undefined): Promise<string[]> {
  if (custom) return Array.from({ length: count }, (_, i) => custom[i] ?? `class ${i}`);
  if (count === 1000) return [...(await imagenetLabels())];
  return Array.from({ length: count }, (_, i) => `class ${i}`);
}
