/** Probability bars, the top-5 list and the per-layer GPU time chart: plain DOM, no chart library. */
import { el } from './dom.js';
import type { ClassScore, Profile } from './lib.js';

export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

const percent = (p: number) => `${(100 * p).toFixed(p >= 0.995 || p < 0.001 ? 0 : 1)}%`;

/** One bar per class (the ten digits), the winner highlighted. */
export function renderClassBars(container: HTMLElement, labels: readonly string[], probabilities: ArrayLike<number>): void {
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

/** The most probable classes (the library's topK) as an ordered list. */
export function renderTopK(list: HTMLElement, top: readonly ClassScore[]): void {
  list.replaceChildren(
    ...top.map(({ label, score }) => {
      const item = el('li');
      const track = el('span', 'bar-track');
      const fill = el('span', 'bar-fill');
      fill.style.width = `${(100 * score).toFixed(1)}%`;
      track.append(fill);
      item.append(el('span', 'top-label', label), track, el('span', 'bar-value', percent(score)));
      return item;
    }),
  );
  list.dataset.label = top[0]?.label ?? '';
  list.dataset.index = String(top[0]?.index ?? '');
}

/** GPU milliseconds per executed node, longest bar = slowest layer. */
export function renderLayerChart(container: HTMLElement, note: HTMLElement, profile: Profile | undefined, preprocessMs?: number): void {
  if (!profile?.available) {
    note.textContent = `Per-layer GPU times need timestamp queries: ${profile?.reason ?? 'not measured yet'}.`;
    container.replaceChildren();
    return;
  }
  const rows = profile.nodes.map((n) => ({ name: n.name, detail: n.sources.join(' + '), ms: n.milliseconds }));
  if (preprocessMs !== undefined) rows.unshift({ name: 'image → tensor', detail: 'resize, crop, normalize (WGSL): wall time, GPU work included', ms: preprocessMs });
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
