// CPU tensor memory under glibc malloc. libtorch allocates tensor storage with posix_memalign; in a long loop of
// mixed-size tensors glibc kept freed blocks as heap holes it never reused or returned (measured here: RSS
// 225 MB -> 1.2 GB over 3,000 small training steps with a constant live-tensor count; preloading jemalloc kept
// it flat, but jemalloc cannot be dlopen-ed with the addon: static TLS). Two measures instead:
//  - a fixed mmap threshold (it also stops glibc's dynamic threshold from moving large tensors to the heap):
//    tensors >= 64 KiB live in their own mappings and go back to the system when freed;
//  - trimMemory(): malloc_trim(0) returns free heap pages; src/torch/scope.ts calls it after outermost tidy()
//    scopes, at most every 50 ms (with it: 225 MB -> 325 MB over the same 3,000 steps).
#include <malloc.h>

#include "common.h"

namespace v2m {

const char* InstallAllocator() {
  mallopt(M_MMAP_THRESHOLD, 64 * 1024);
  return "glibc";
}

// trimMemory(): returns free heap pages to the system; true when any were released.
V2M_FN(trimMemory) { return Napi::Boolean::New(info.Env(), malloc_trim(0) != 0); }

void RegisterAllocator(Napi::Env env, Napi::Object exports) { V2M_EXPORT(exports, trimMemory); }

}  // namespace v2m
