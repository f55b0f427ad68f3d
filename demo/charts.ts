/** Probability bars, the top-5 list and the per-layer GPU time chart: plain DOM, no chart library. */
import type { Profile } from '../src/index.js';
import { el } from './dom.js';

/** Softmax of logits (float64, max-shifted), for display. */
export function softmax(logits: ArrayLike<number>): number[] {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]!);
  const exps = Array.from(logits, (v) => Math.exp(v - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

const percent = (p: number) => `${(100 * p).toFixed(p >= 0.995 || p < 0.001 ? 0 : 1)}%`;

/** One bar per class (the ten digits), the winner highlighted. */
export function renderClassBars(container: HTMLElement, labels: readonly string[], probabilities: readonly number[]): void {
  const best = argmax(probabilities);
  if (container.children.length !== labels.length) {
    container.replaceChildren(
      ...labels.map((label) => {
        const row = el('div', 'bar-row');
        row.setAttribute('role', 'listitem');
        row.append(el('span', 'bar-label', label), el('span', 'bar-track'), el('span', 'bar-value'));
        row.children[1]!.append(el('span', 'bar-fill'));
        return row;
      }),
    );
  }
  labels.forEach((label, i) => {
    const row = container.children[i] as HTMLElement;
    const p = probabilities[i] ?? 0;
    row.classList.toggle('best', i === best && p > 0);
    (row.querySelector('.bar-fill') as HTMLElement).style.width = `${(100 * p).toFixed(1)}%`;
    row.querySelector('.bar-value')!.textContent = percent(p);
    row.setAttribute('aria-label', `${label}: ${percent(p)}`);
  });
}

/** The k most probable classes as an ordered list. */
export function renderTopK(list: HTMLElement, labels: readonly string[], probabilities: readonly number[], k = 5): void {
  const order = probabilities.map((p, i) => [p, i] as const).sort((a, b) => b[0] - a[0]).slice(0, k);
  list.replaceChildren(
    ...order.map(([p, i]) => {
      const item = el('li');
      const name = el('span', 'top-label', labels[i] ?? `class ${i}`);
      const track = el('span', 'bar-track');
      const fill = el('span', 'bar-fill');
      fill.style.width = `${(100 * p).toFixed(1)}%`;
      track.append(fill);
      item.append(name, track, el('span', 'bar-value', percent(p)));
      return item;
    }),
  );
  list.dataset.label = labels[order[0]![1]] ?? '';
  list.dataset.index = String(order[0]![1]);
}

/** GPU milliseconds per executed node, longest bar = slowest layer. */
export function renderLayerChart(container: HTMLElement, note: HTMLElement, profile: Profile | undefined, preprocessMs?: number): void {
  if (!profile?.available) {
    note.textContent = `Per-layer GPU times need timestamp queries: ${profile?.reason ?? 'not measured yet'}.`;
    container.replaceChildren();
    return;
  }
  const rows = profile.nodes.map((n) => ({ name: n.name, detail: n.sources.join(' + '), ms: n.milliseconds }));
  if (preprocessMs !== undefined) rows.unshift({ name: 'image → tensor', detail: 'resize, crop, normalize (WGSL)', ms: preprocessMs });
  const max = Math.max(...rows.map((r) => r.ms), 1e-6);
  note.textContent = `${profile.nodes.length} executed nodes after fusion; GPU timestamps per compute pass.`;
  container.replaceChildren(
    ...rows.map((r) => {
      const row = el('div', 'layer-row');
      row.setAttribute('role', 'listitem');
      row.title = r.detail;
      const track = el('span', 'bar-track');
      const fill = el('span', 'bar-fill');
      fill.style.width = `${Math.max(0.5, (100 * r.ms) / max).toFixed(1)}%`;
      track.append(fill);
      row.append(el('span', 'layer-name', r.name), track, el('span', 'bar-value', `${r.ms.toFixed(r.ms < 1 ? 3 : 1)} ms`));
      return row;
    }),
  );
}

/** Frames per second over a sliding window of completion times. */
export class RateMeter {
  private stamps: number[] = [];
  tick(now = performance.now()): number {
    this.stamps.push(now);
    while (this.stamps.length > 2 && now - this.stamps[0]! > 3000) this.stamps.shift();
    const span = now - this.stamps[0]!;
    return this.stamps.length > 1 && span > 0 ? ((this.stamps.length - 1) * 1000) / span : 0;
  }
  reset(): void {
    this.stamps = [];
  }
}
