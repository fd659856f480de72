#!/usr/bin/env bash
# Sets up v2meow on Debian 12: system packages (libtorch, Gloo's headers for data-parallel training on c10d,
# OpenMP OpenBLAS, ffmpeg, fonts, Chromium for the listening-study browser test, build tools), npm packages
# from the lock file, the native addon and the TypeScript build. Safe to rerun. Fails loudly at the first failing step.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(libtorch-dev libgloo-dev libopenblas0-openmp ffmpeg fonts-dejavu-core chromium redis-server build-essential python3 make g++)
missing=()
for package in "${PACKAGES[@]}"; do dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package"); done
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  echo "setup: apt-get install ${missing[*]}" >&2
  $sudo apt-get update
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends "${missing[@]}"
fi

echo "setup: npm ci" >&2
npm ci --no-audit --no-fund
echo "setup: building the libtorch addon (LIBTORCH=${LIBTORCH:-Debian libtorch-dev})" >&2
npm run build:native
echo "setup: compiling TypeScript" >&2
npm run build:ts
node -e "import('./dist/src/torch/index.js').then((t) => console.error('setup: engine ok, threads', t.getNumThreads()))"
