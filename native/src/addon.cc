// Module entry of the v2meow libtorch addon. State lives in per-environment instance data, so the addon
// loads in the main thread and in worker_threads alike.
#include "common.h"

namespace v2m {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  static const char* allocator = InstallAllocator();  // once per process (see allocator.cc)
  exports.Set("allocator", Napi::String::New(env, allocator));
  auto* data = new InstanceData();
  env.SetInstanceData<InstanceData>(data);
  Napi::Function ctor = Handle::Define(env);
  data->handleCtor = Napi::Persistent(ctor);
  exports.Set("Handle", ctor);
  RegisterTensor(env, exports);
  RegisterMath(env, exports);
  RegisterNN(env, exports);
  RegisterOptim(env, exports);
  RegisterFused(env, exports);
  RegisterDistributed(env, exports);
  RegisterAllocator(env, exports);
  return exports;
}

}  // namespace v2m

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return v2m::Init(env, exports); }

NODE_API_MODULE(v2meow_torch, InitModule)
