/**
 * npx vite-node bench/before_after.ts -- --before <checkout> [--models lenet5,alexnet,…] [--size 224]
 *   [--device-class gpu|cpu] [--runs 5] [--warmup 1] [--rounds 2]
 *
 * Ours vs ours: the same zoo networks through bench/model.ts in two
 * checkouts of this repository (an older commit as a `git worktree`, and
 * this one), run interleaved — before, after, before, after — so a load
 * change on the machine hits both sides alike. Each round is a fresh
 * process per side; a side's figure is the median over rounds of its run
 * latency median and of its GPU time (timestamps, one profiled run). Prints
 * a markdown table with the after/before ratios (< 1 is faster now).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { option } from './args.js';

const NINE = 'lenet5,alexnet,vgg16,resnet18,resnet50,googlenet,mobilenet_v1,mobilenet_v2,efficientnet_b0';
const before = option('before', '');
if (!before) throw new Error('--before <checkout of the older commit> is required (git worktree add --detach /tmp/before <rev>)');
const sides = { before: resolve(before), after: resolve(import.meta.dirname, '..') };
const models = option('models', NINE).split(',');
const size = option('size', '224');
const deviceClass = option('device-class', '');
const runs = option('runs', '5');
const warmup = option('warmup', '1');
const rounds = Number(option('rounds', '2'));
const work = mkdtempSync(join(tmpdir(), 'before-after-'));

interface Sample {
  latency: number;
  gpu: number | undefined;
  dispatches: number;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

function measure(side: keyof typeof sides, id: string): Sample {
  const json = join(work, `${side}-${id}.json`);
  // LeNet-5 takes 32×32 digits; the rest the size asked for
  const args = ['vite-node', 'bench/model.ts', '--', id, '--size', id === 'lenet5' ? '32' : size, '--runs', runs, '--warmup', warmup, '--json', json];
  if (deviceClass) args.push('--device-class', deviceClass);
  execFileSync('npx', args, { cwd: sides[side], stdio: ['ignore', 'ignore', 'inherit'], maxBuffer: 64 << 20 });
  const r = JSON.parse(readFileSync(json, 'utf8')) as { times: number[]; profile?: { available: boolean; totalMilliseconds: number }; info: { dispatches: number } };
  return { latency: median(r.times), gpu: r.profile?.available ? r.profile.totalMilliseconds : undefined, dispatches: r.info.dispatches };
}

const rows: string[] = [];
console.log(`before: ${sides.before}\nafter:  ${sides.after}\n${models.length} networks at ${size}², device class ${deviceClass || 'of the adapter'}, ${rounds} interleaved rounds × ${runs} runs`);
for (const id of models) {
  const got: Record<keyof typeof sides, Sample[]> = { before: [], after: [] };
  for (let r = 0; r < rounds; r++) {
    for (const side of ['before', 'after'] as const) got[side].push(measure(side, id));
  }
  const sum = (side: keyof typeof sides) => {
    const gpus = got[side].map((s) => s.gpu).filter((g): g is number => g !== undefined);
    return { latency: median(got[side].map((s) => s.latency)), gpu: gpus.length ? median(gpus) : undefined, dispatches: got[side][0]!.dispatches };
  };
  const [b, a] = [sum('before'), sum('after')];
  const gpu = (x: number | undefined) => (x === undefined ? 'n/a' : x.toFixed(1));
  const row = `| ${id} | ${b.latency.toFixed(1)} | ${a.latency.toFixed(1)} | ${(a.latency / b.latency).toFixed(2)} | ${gpu(b.gpu)} | ${gpu(a.gpu)} | ${a.gpu && b.gpu ? (a.gpu / b.gpu).toFixed(2) : 'n/a'} | ${b.dispatches} → ${a.dispatches} |`;
  rows.push(row);
  console.log(row);
}
console.log('\n| network | run ms before | after | ratio | GPU ms before | after | ratio | dispatches |\n|---|---|---|---|---|---|---|---|');
for (const row of rows) console.log(row);
rmSync(work, { recursive: true, force: true });
