/**
 * The bench page: URL parameters choose the model and the runs
 * (?model=lenet5&size=32&runs=5&warmup=1&peers=ort,tfjs&tiles=1&auto=1 starts
 * at once; peers=0 runs none); results go to tables, bars, JSON/CSV downloads
 * and window.__benchResults (for tests and scripts). Ratios follow
 * src/bench/ratio.ts: peer ÷ ours.
 */
import '../demo/style.css';
import './bench.css';
import { AUTO_RULES } from '../src/bench/auto_mark.js';
import { noticeLines } from '../src/bench/notices.js';
import { RATIO_HEADING, speedupText } from '../src/bench/ratio.js';
import { createGpuContext } from '../src/gpu/device.js';
import { ZOO, zooModel } from '../src/models/zoo.js';
import { resultsToCsv } from './export.js';
import { PEER_IDS, peersFromParam } from './peers_browser.js';
import { runBench, type BenchParams, type BenchResults } from './run_bench.js';

declare global {
  interface Window {
    __benchResults?: BenchResults;
    __benchError?: string;
  }
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const url = new URLSearchParams(location.search);
const modelSelect = $<HTMLSelectElement>('model');
for (const e of ZOO) modelSelect.add(new Option(`${e.id} — ${e.description}`, e.id));
modelSelect.value = url.get('model') ?? 'lenet5';
const sizeInput = $<HTMLInputElement>('size');
const runsInput = $<HTMLInputElement>('runs');
sizeInput.value = url.get('size') ?? String(zooModel(modelSelect.value).inputSize);
runsInput.value = url.get('runs') ?? '5';
const askedPeers = peersFromParam(url.get('peers'));
for (const id of PEER_IDS) $<HTMLInputElement>(`peer-${id}`).checked = askedPeers.includes(id);
$<HTMLInputElement>('tiles').checked = url.get('tiles') !== '0';
modelSelect.addEventListener('change', () => (sizeInput.value = String(zooModel(modelSelect.value).inputSize)));

const line = $('bench-gpu');
const ctx = await createGpuContext().catch((e: { reason?: string }) => {
  document.body.dataset.webgpu = 'unavailable';
  document.body.dataset.reason = e.reason ?? 'error';
  line.textContent = 'This browser offers no WebGPU adapter; the demo page says how to get one.';
  return undefined;
});
if (ctx) {
  document.body.dataset.webgpu = 'ready';
  document.body.dataset.deviceClass = ctx.deviceClass;
  line.textContent = `Adapter: ${ctx.adapter.vendor} ${ctx.adapter.architecture} ${ctx.adapter.description} — timing by ${ctx.features.timestampQuery ? 'GPU timestamps' : 'queue completion (no timestamp-query)'}; auto follows the ${AUTO_RULES[ctx.deviceClass]}.`;
  if (ctx.deviceClass === 'cpu') {
    const banner = $('software-banner');
    const name = ctx.adapter.architecture || ctx.adapter.description || ctx.adapter.vendor || 'this adapter';
    banner.textContent = `Software adapter: ${name} emulates a GPU on the CPU. These figures measure CPU emulation, not a GPU — compare runtimes and strategies within this run, not with GPU numbers. auto follows the ${AUTO_RULES.cpu} here (direct, depthwise for depthwise layers), not the GPU rules.`;
    banner.hidden = false;
  }
}
const runButton = $<HTMLButtonElement>('run');
runButton.disabled = !ctx;

const fmt = (ms?: number) => (ms === undefined ? '—' : ms < 10 ? ms.toFixed(3) : ms.toFixed(1));
const escape = (text: string) => text.replace(/[&<>"]/g, (c) => `&${({ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot' })[c]};`);

function render(r: BenchResults): void {
  const layers = $('layers');
  layers.replaceChildren();
  const byShape = new Map<string, BenchResults['layers']>();
  for (const row of r.layers) byShape.set(`${row.layer}|${row.shape}`, [...(byShape.get(`${row.layer}|${row.shape}`) ?? []), row]);
  for (const [key, rows] of byShape) {
    const [layer, shape] = key.split('|');
    const max = Math.max(...rows.map((x) => x.medianMs));
    const section = document.createElement('section');
    section.className = 'layer';
    section.dataset.layer = layer;
    section.innerHTML = `<h3>${layer} <span class="muted">${shape}</span></h3>`;
    for (const row of rows) {
      const div = document.createElement('div');
      div.dataset.candidate = row.candidate;
      div.className = `bench-bar${row.winner ? ' winner' : ''}${row.auto ? ' auto' : ''}${row.runtime === 'tfjs' ? ' peer' : ''}`;
      const marks = [row.winner ? 'fastest' : '', row.auto ? `auto (${r.autoRules})` : '', row.ratio ? `TF.js ÷ our fastest ${speedupText(row.ratio, 'TF.js')}` : '', row.relL2 !== undefined && row.relL2 > 1e-3 ? `wrong: rel. L2 ${row.relL2.toExponential(1)}` : ''].filter(Boolean).join(', ');
      div.innerHTML = `<span class="name">${row.candidate}</span><span class="track"><span style="width:${((100 * row.medianMs) / max).toFixed(1)}%"></span></span><span class="ms">${fmt(row.medianMs)} ms <small>(${fmt(row.p10Ms)}–${fmt(row.p90Ms)}) ${marks}</small></span>`;
      section.append(div);
    }
    layers.append(section);
  }
  const net = $('network');
  net.innerHTML = `<tr><th>runtime</th><th>config</th><th>median ms</th><th>p10–p90</th><th>GPU ms</th><th>cold start ms</th><th>${RATIO_HEADING}</th><th>rel. L2 vs ours</th><th>notes</th></tr>`;
  for (const n of r.network) {
    const tr = document.createElement('tr');
    tr.dataset.runtime = n.runtime;
    tr.dataset.config = n.config;
    tr.innerHTML = `<td>${n.runtime}</td><td>${n.config}</td><td>${fmt(n.wallMs?.median)}</td><td>${n.wallMs ? `${fmt(n.wallMs.p10)}–${fmt(n.wallMs.p90)}` : ''}</td><td>${fmt(n.gpuMs)}</td><td>${fmt(n.coldMs)}</td><td class="ratio">${n.ratioToOurs ? speedupText(n.ratioToOurs) : ''}</td><td>${n.relL2 === undefined ? '' : n.relL2.toExponential(1)}</td><td class="muted notes">${[...(n.error ? [n.error] : []), ...noticeLines(n.notices ?? [])].map(escape).join('<br>')}</td>`;
    net.append(tr);
  }
  const m = r.memory;
  $('memory').textContent = m ? `planned activations ${(m.plannedBytes / 2 ** 20).toFixed(2)} MiB in ${m.arenas} arena(s) (naive ${(m.naiveBytes / 2 ** 20).toFixed(2)} MiB), weights ${(m.weightBytes / 2 ** 20).toFixed(2)} MiB, ${m.dispatches} dispatches` : '';
  const link = (id: string, text: string, type: string) => {
    const a = $<HTMLAnchorElement>(id);
    a.href = URL.createObjectURL(new Blob([text], { type }));
    a.download = `bench-${r.params.model}.${id.endsWith('json') ? 'json' : 'csv'}`;
    a.hidden = false;
  };
  link('download-json', JSON.stringify(r, null, 1), 'application/json');
  link('download-csv', resultsToCsv(r), 'text/csv');
}

async function start(): Promise<void> {
  if (!ctx) return;
  runButton.disabled = true;
  document.body.dataset.bench = 'running';
  const params: BenchParams = {
    model: modelSelect.value,
    size: Number(sizeInput.value),
    runs: Math.max(1, Number(runsInput.value)),
    warmup: Number(url.get('warmup') ?? '1'),
    peers: PEER_IDS.filter((id) => $<HTMLInputElement>(`peer-${id}`).checked),
    tiles: $<HTMLInputElement>('tiles').checked,
  };
  const progress = $('progress');
  try {
    const results = await runBench(ctx, params, (l) => (progress.textContent = l));
    window.__benchResults = results;
    render(results);
    progress.textContent = `done: ${results.layers.length} layer rows, ${results.network.length} network rows`;
    document.body.dataset.bench = 'done';
  } catch (e) {
    window.__benchError = String(e);
    progress.textContent = `failed: ${String(e)}`;
    document.body.dataset.bench = 'failed';
  } finally {
    runButton.disabled = false;
  }
}

runButton.addEventListener('click', () => void start());
if (url.get('auto') === '1') void start();
