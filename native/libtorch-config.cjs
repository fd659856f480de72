// Prints compiler/linker settings for the libtorch the addon links against (used by binding.gyp).
// Default: Debian's libtorch-dev (headers in /usr/include, libraries on the system path).
// LIBTORCH=/path: another libtorch tree (e.g. a CUDA build): include and library paths, an rpath, the
// _GLIBCXX_USE_CXX11_ABI value that build was compiled with, and torch_cuda/c10_cuda when present.
// c10d (src/distributed.cc): the Gloo backend is compiled in when Gloo's headers are found (Debian: libgloo-dev;
// LIBTORCH trees that ship include/gloo), NCCL when the tree has torch_cuda and nccl.h (NCCL_INCLUDE_DIR).
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = process.env.LIBTORCH ? path.resolve(process.env.LIBTORCH) : null;

function abiFlag() {
  const candidates = root
    ? [path.join(root, 'share/cmake/Torch/TorchConfig.cmake')]
    : ['/usr/lib/x86_64-linux-gnu/cmake/Torch/TorchConfig.cmake', '/usr/lib/aarch64-linux-gnu/cmake/Torch/TorchConfig.cmake'];
  for (const file of candidates) {
    if (!fs.existsSync(file)) continue;
    const m = /_GLIBCXX_USE_CXX11_ABI=(\d)/.exec(fs.readFileSync(file, 'utf8'));
    if (m) return m[1];
  }
  return '1';
}

function includeDirs() {
  const base = root ? path.join(root, 'include') : '/usr/include';
  const api = path.join(base, 'torch/csrc/api/include');
  return root ? [base, api] : [api];
}

function libs() {
  const out = [];
  if (root) {
    const lib = path.join(root, 'lib');
    out.push(`-L${lib}`, `-Wl,-rpath,${lib}`);
    if (hasCuda()) out.push('-Wl,--no-as-needed', '-ltorch_cuda', '-lc10_cuda', '-Wl,--as-needed');
  }
  out.push('-ltorch', '-ltorch_cpu', '-lc10');
  return out;
}

function hasCuda() {
  return root !== null && fs.existsSync(path.join(root, 'lib/libtorch_cuda.so'));
}

/** Folder holding gloo/context.h, or null: Gloo's headers are needed by ProcessGroupGloo.hpp. */
function glooInclude() {
  const dirs = root ? [path.join(root, 'include'), '/usr/include'] : ['/usr/include'];
  return dirs.find((d) => fs.existsSync(path.join(d, 'gloo/context.h'))) ?? null;
}

/** Folder holding nccl.h for a CUDA libtorch, or null. */
function ncclInclude() {
  if (!hasCuda()) return null;
  const dirs = [process.env.NCCL_INCLUDE_DIR, path.join(root, 'include'), '/usr/include', '/usr/local/cuda/include'];
  return dirs.find((d) => d && fs.existsSync(path.join(d, 'nccl.h'))) ?? null;
}

function distCflags() {
  const out = [];
  const gloo = glooInclude();
  // /usr/include is searched already (and -isystem on it would reorder libstdc++'s #include_next).
  const extra = (dir) => (dir === '/usr/include' ? [] : [`-isystem${dir}`]);
  if (gloo) out.push('-DV2M_HAS_GLOO', ...extra(gloo));
  const nccl = ncclInclude();
  if (nccl) out.push('-DV2M_HAS_NCCL', '-DUSE_C10D_NCCL', ...extra(nccl));
  return out;
}

const what = process.argv[2];
if (what === 'include') process.stdout.write(includeDirs().join(' '));
else if (what === 'cflags') process.stdout.write(`-D_GLIBCXX_USE_CXX11_ABI=${abiFlag()}`);
else if (what === 'dist-cflags') process.stdout.write(distCflags().join(' '));
else if (what === 'libs') process.stdout.write(libs().join(' '));
else {
  process.stderr.write('usage: libtorch-config.cjs include|cflags|dist-cflags|libs\n');
  process.exit(2);
}
