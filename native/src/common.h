// Shared pieces of the v2meow libtorch addon: the tensor handle wrapped for JavaScript, per-environment
// instance data, argument readers, and the guard that turns libtorch errors into JavaScript exceptions.
#pragma once

#include <napi.h>
#include <torch/torch.h>

#include <optional>
#include <string>
#include <vector>

namespace v2m {

// Per-environment state (one per main thread / worker_thread), stored as N-API instance data.
struct InstanceData {
  Napi::FunctionReference handleCtor;
  int64_t liveTensors = 0;  // handles currently holding a defined tensor
};

InstanceData& Data(Napi::Env env);

// A JavaScript object that owns one at::Tensor reference. dispose() drops it early; the finalizer is only a
// safety net for handles the program forgot.
class Handle : public Napi::ObjectWrap<Handle> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit Handle(const Napi::CallbackInfo& info);
  ~Handle() override;
  void Set(Napi::Env env, at::Tensor t);
  void Release();
  bool Defined() const { return tensor_.defined(); }
  at::Tensor& Get() { return tensor_; }

 private:
  at::Tensor tensor_;
  InstanceData* data_ = nullptr;
};

extern const napi_type_tag kHandleTag;

// ---- arguments -------------------------------------------------------------------------------------------
at::Tensor& T(const Napi::CallbackInfo& info, size_t i);
c10::optional<at::Tensor> OT(const Napi::CallbackInfo& info, size_t i);
bool IsTensor(const Napi::Value& v);
std::vector<at::Tensor> TList(const Napi::CallbackInfo& info, size_t i);
int64_t I(const Napi::CallbackInfo& info, size_t i);
c10::optional<int64_t> OI(const Napi::CallbackInfo& info, size_t i);
double D(const Napi::CallbackInfo& info, size_t i);
c10::optional<double> OD(const Napi::CallbackInfo& info, size_t i);
bool B(const Napi::CallbackInfo& info, size_t i, bool fallback = false);
std::vector<int64_t> V(const Napi::CallbackInfo& info, size_t i);
c10::optional<std::vector<int64_t>> OV(const Napi::CallbackInfo& info, size_t i);
std::string S(const Napi::CallbackInfo& info, size_t i);
at::ScalarType DType(const Napi::CallbackInfo& info, size_t i, at::ScalarType fallback = at::kFloat);
c10::Device Dev(const Napi::CallbackInfo& info, size_t i);
at::TensorOptions Opts(const Napi::CallbackInfo& info, size_t dtypeIndex, size_t deviceIndex);

// Dtype codes shared with src/torch/dtype.ts.
int DTypeCode(at::ScalarType t);
at::ScalarType CodeDType(int code);

// ---- results ---------------------------------------------------------------------------------------------
Napi::Value W(Napi::Env env, at::Tensor t);
Napi::Value WPair(Napi::Env env, const std::tuple<at::Tensor, at::Tensor>& p);
Napi::Value WList(Napi::Env env, const std::vector<at::Tensor>& list);

// Runs `fn`, translating libtorch and standard exceptions into JavaScript errors with libtorch's message.
using Fn = Napi::Value (*)(const Napi::CallbackInfo&);
template <Fn F>
Napi::Value Guard(const Napi::CallbackInfo& info) {
  try {
    return F(info);
  } catch (const Napi::Error&) {
    throw;
  } catch (const c10::Error& e) {
    throw Napi::Error::New(info.Env(), std::string("libtorch: ") + e.what_without_backtrace());
  } catch (const std::exception& e) {
    throw Napi::Error::New(info.Env(), std::string("libtorch: ") + e.what());
  }
}

#define V2M_FN(name) static Napi::Value name(const Napi::CallbackInfo& info)
#define V2M_EXPORT(exports, name) \
  exports.Set(#name, Napi::Function::New(exports.Env(), ::v2m::Guard<name>, #name))

const char* InstallAllocator();
void RegisterAllocator(Napi::Env env, Napi::Object exports);
void RegisterTensor(Napi::Env env, Napi::Object exports);
void RegisterMath(Napi::Env env, Napi::Object exports);
void RegisterNN(Napi::Env env, Napi::Object exports);
void RegisterOptim(Napi::Env env, Napi::Object exports);
void RegisterFused(Napi::Env env, Napi::Object exports);
void RegisterDistributed(Napi::Env env, Napi::Object exports);

}  // namespace v2m
