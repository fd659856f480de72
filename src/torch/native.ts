// Loads the libtorch N-API addon (native/, built by `npm run build:native`) once per environment and applies
// the documented thread default. Everything else in src/torch goes through `native`.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { setOutermostExitHook } from './scope.js';

/** Opaque native tensor handle. */
export type Handle = object;

// biome-ignore lint/suspicious/noExplicitAny: the addon is untyped; src/torch/tensor.ts gives it types.
export type NativeModule = Record<string, (...args: any[]) => any>;

function findAddon(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let k = 0; k < 6; k++) {
    const file = join(dir, 'native', 'build', 'Release', 'v2meow_torch.node');
    if (existsSync(file)) return file;
    dir = dirname(dir);
  }
  throw new Error(
    'the libtorch addon is not built: run `npm run build:native` (needs libtorch-dev, see README)',
  );
}

// OpenMP threads that spin while waiting made a small training step 10-30x slower whenever another process
// used the cores (measured here: 23 ms -> 300-700 ms per step); passive waiting costs little when idle. It must
// be set before libgomp loads with the addon. An explicit OMP_WAIT_POLICY from the user wins.
process.env.OMP_WAIT_POLICY ??= 'PASSIVE';

export const native: NativeModule = createRequire(import.meta.url)(findAddon());

/**
 * Thread default: one intra-op thread per available core (V2MEOW_THREADS overrides). The addon sets libtorch's
 * OpenMP pool and, when OpenBLAS is linked, OpenBLAS's own pool to the same count, so the two never
 * oversubscribe the cores (Debian's pthreads OpenBLAS under OpenMP did; the OpenMP build is installed too).
 */
export function setNumThreads(count: number): void {
  native.setNumThreads(Math.max(1, Math.floor(count)));
}

export function getNumThreads(): number {
  return native.getNumThreads();
}

/** Bytes of tensor blocks (>= 64 KiB) in use and held free in the caching allocator (native/src/allocator.cc). */
/**
 * Sets the caching allocator's limit in bytes (cached free blocks, and in-use + cached bytes before a miss
 * releases cached blocks of other sizes); returns the previous limit. Default: V2MEOW_CACHE_MB, or a quarter
 * of physical memory (at least 2 GiB).
 */
export function setCacheLimit(bytes: number): number {
  return native.setCacheLimit(bytes);
}

export function allocatorStats(): { inUseBytes: number; cachedBytes: number } {
  return native.allocatorStats();
}

/** Returns every cached free tensor block to the system; resolves to the bytes released. */
export function emptyCache(): number {
  return native.emptyCache();
}

setNumThreads(Number(process.env.V2MEOW_THREADS) || availableParallelism());

// Small (< 64 KiB) tensors and libtorch's own buffers use glibc malloc, which keeps freed memory as heap holes
// (see native/src/allocator.cc); give those pages back after outermost tidy() scopes, at most every 50 ms.
let lastTrimMs = 0;
setOutermostExitHook(() => {
  const now = performance.now();
  if (now - lastTrimMs < 50) return;
  lastTrimMs = now;
  native.trimMemory();
});
