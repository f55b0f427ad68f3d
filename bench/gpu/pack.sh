#!/usr/bin/env bash
# npm run bench:gpu:pack [-- --try]
#
# Makes .gpu/ ready for ONE call on a lent GPU machine (no Node, no internet,
# no node_modules there): shared/gpu/pack.sh's Node + Dawn + Vulkan loader
# (made once), this bench bundled into .gpu/bench.mjs (bench/gpu/vite.config.ts),
# and ONNX Runtime Web's WebGPU dist module + wasm added to .gpu/modules.tar.xz
# (which .gpu/run.sh unpacks into .gpu/node_modules). The ONNX models are not
# carried: the bench exports them from the zoo at run time. Prints the total,
# which must stay under the device tool's 64 MiB carry limit.
#
# The device call: run with carry [".gpu"] and
#   bash .gpu/run.sh node .gpu/bench.mjs
# --try then runs the pack on SwiftShader as that call would, in a copy of
# .gpu/ outside the checkout (so no node_modules above it can hide a missing
# file, and .gpu/ itself stays as it is carried):
#   GPU_NO_DEBS=1 ICD=/usr/lib/chromium/vk_swiftshader_icd.json bash .gpu/run.sh node .gpu/bench.mjs --small
set -eu
cd "$(dirname "$0")/../.."
limit=$((64 * 1024 * 1024))

# shared/gpu/pack.sh sits beside the checkout (../shared for /work/main, ../../shared for a worktree)
if [ ! -f .gpu/run.sh ] || [ ! -f .gpu/node.xz ] || [ ! -f .gpu/modules.tar.xz ]; then
  shared=""
  for d in ../shared ../../shared ../../../shared; do [ -f "$d/gpu/pack.sh" ] && { shared="$d/gpu/pack.sh"; break; }; done
  [ -n "$shared" ] || { echo "shared/gpu/pack.sh not found above $(pwd)" >&2; exit 1; }
  echo "== $shared"
  # it expects a plain .git/ directory (a worktree has a .git file): run it in a stand-in root with our node_modules
  root=$(pwd); stage=$(mktemp -d)
  mkdir -p "$stage/.git/info"; ln -s "$root/node_modules" "$stage/node_modules"
  [ -d .gpu ] && cp -r .gpu "$stage/"
  shared=$(cd "$(dirname "$shared")" && pwd)/pack.sh
  (cd "$stage" && bash "$shared")
  rm -rf .gpu; cp -r "$stage/.gpu" .gpu; rm -rf "$stage"
fi

echo "== bundling bench/gpu/bench_gpu.ts into .gpu/bench.mjs"
node node_modules/vite/bin/vite.js build -c bench/gpu/vite.config.ts
ls .gpu/*.mjs | grep -qvx '.gpu/bench.mjs' && { echo "the bundle is more than one file: $(ls .gpu/*.mjs)" >&2; exit 1; }

# ORT-web into modules.tar.xz once per version: only the files its webgpu export needs in Node
# (the bundle imports the wasm glue module by path in Node, then the wasm beside it)
ort=node_modules/onnxruntime-web
files="ort.webgpu.bundle.min.mjs ort-wasm-simd-threaded.asyncify.mjs ort-wasm-simd-threaded.asyncify.wasm"
version="$(node -p "require('./$ort/package.json').version") $files"
if [ "$(cat .gpu/ort.version 2>/dev/null)" != "$version" ]; then
  echo "== adding onnxruntime-web $version to .gpu/modules.tar.xz"
  tmp=$(mktemp -d)
  tar -C "$tmp" -xJf .gpu/modules.tar.xz
  rm -rf "$tmp/node_modules/onnxruntime-web"; mkdir -p "$tmp/node_modules/onnxruntime-web/dist"
  cp "$ort/package.json" "$tmp/node_modules/onnxruntime-web/"
  for f in $files; do cp "$ort/dist/$f" "$tmp/node_modules/onnxruntime-web/dist/"; done
  tar -C "$tmp" -cf - node_modules | xz -T2 -6 > .gpu/modules.tar.xz.new
  mv .gpu/modules.tar.xz.new .gpu/modules.tar.xz
  rm -rf "$tmp"
  echo "$version" > .gpu/ort.version
fi
# an unpacked copy (from a local run.sh) would be carried too and must be re-made from the new tarball
rm -rf .gpu/node_modules

total=$(du -sb .gpu | cut -f1)
du -ah .gpu | sort -h | tail -8
echo "== .gpu: $total bytes ($((total / 1024 / 1024)) MiB) of the $((limit / 1024 / 1024)) MiB carry limit"
[ "$total" -lt "$limit" ] || { echo ".gpu is over the carry limit" >&2; exit 1; }
echo "device call: run with carry [\".gpu\"] and: bash .gpu/run.sh node .gpu/bench.mjs"

if [ "${1:-}" = "--try" ]; then
  try=$(mktemp -d)
  cp -r .gpu "$try/"
  out=$(mktemp -d)
  echo "== trying the pack on SwiftShader in $try (results in $out)"
  (cd "$try" && OUT="$out" GPU_NO_DEBS=1 ICD=/usr/lib/chromium/vk_swiftshader_icd.json bash .gpu/run.sh node .gpu/bench.mjs --small "${@:2}")
  [ -d "$try/.gpu/node_modules/onnxruntime-web" ] || { echo "run.sh did not unpack onnxruntime-web" >&2; exit 1; }
  rm -rf "$try"
fi
