#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine (root, no GPU) lacks to build, test and train with dlc:
# Mesa's software WebGPU drivers (see shared/webgpu-on-cpu.md) and the npm dependencies; with
# --browser also Debian's Chromium, which the browser tests drive (WebGPU on its SwiftShader).
# Idempotent: every step checks before it changes anything.
set -euo pipefail
browser=0
for arg in "$@"; do
  case "$arg" in
    --browser) browser=1 ;;
    *) echo "setup: unknown option '$arg' (known: --browser)" >&2; exit 1 ;;
  esac
done
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi

need_apt=0
# lavapipe from Mesa >= 25 (bookworm-backports): bookworm's own 22.3 is too old for Dawn.
lvp_version=$(dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null || true)
case "$lvp_version" in
  25.*|26.*|27.*) ;;
  *) need_apt=1 ;;
esac
# librsvg2-bin: rsvg-convert, with which tests render dlc's SVG pictures to PNG.
for pkg in libvulkan1 libegl1 libgles2 libegl-mesa0 librsvg2-bin; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need_apt=1
done

if [ "$need_apt" = 1 ]; then
  if [ -f /etc/debian_version ] && grep -q '^12' /etc/debian_version; then
    src=/etc/apt/sources.list.d/bookworm-backports.sources
    if [ ! -f "$src" ]; then
      $SUDO tee "$src" >/dev/null <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
    fi
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq libvulkan1 libegl1 libgles2 libegl-mesa0 librsvg2-bin >/dev/null
    $SUDO apt-get install -y -qq -t bookworm-backports mesa-vulkan-drivers >/dev/null
  else
    echo "setup: not Debian 12; install Mesa >= 25 (mesa-vulkan-drivers), libvulkan1, libegl1, libgles2, libegl-mesa0 and librsvg2-bin yourself" >&2
  fi
fi

# Chromium for the browser tests only (about 480 MB): Debian's package, never a Playwright download.
if [ "$browser" = 1 ] && [ ! -x /usr/lib/chromium/chromium ]; then
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi

# Node.js >= 20 (the machines this runs on ship it; a bare Debian gets its own package).
if ! command -v node >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq nodejs npm >/dev/null
fi
node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
  echo "setup: dlc needs Node.js >= 20, found $(node --version); install a newer Node.js (e.g. from nodejs.org or NodeSource)" >&2
  exit 1
fi

# npm dependencies: only when the lockfile changed since the last install. onnxruntime-node (a
# devDependency, for the ONNX export tests) ships its CPU binaries; its install script would only
# fetch CUDA ones from outside the npm registry, which fails offline: skip it.
export ONNXRUNTIME_NODE_INSTALL=skip
if [ ! -f node_modules/.package-lock.json ] || ! cmp -s package-lock.json node_modules/.dlc-lock-stamp 2>/dev/null; then
  # npm ci refuses a lockfile that lacks optional platform packages (rollup's, via vitest) which
  # some registry mirrors do not carry; npm install then installs the same locked versions.
  if ! npm ci --no-audit --no-fund --loglevel=error 2>/tmp/dlc-npm-ci.log; then
    echo "setup: npm ci failed ($(grep -m1 -o 'Missing: [^ ]*' /tmp/dlc-npm-ci.log || echo see /tmp/dlc-npm-ci.log)); installing the locked versions with npm install" >&2
    npm install --no-audit --no-fund --loglevel=error
  fi
  cp package-lock.json node_modules/.dlc-lock-stamp
fi
echo "setup: ready"
