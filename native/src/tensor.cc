// Tensor handles, argument conversion, creation, typed-array transfer, autograd and runtime settings.
#include <ATen/Parallel.h>

#include <cstring>

#include "common.h"

extern "C" void openblas_set_num_threads(int) __attribute__((weak));

namespace v2m {

const napi_type_tag kHandleTag = {0x7632'6d65'6f77'5431ULL, 0x9a1c'44e2'b3f0'0d17ULL};

InstanceData& Data(Napi::Env env) { return *env.GetInstanceData<InstanceData>(); }

// ---- Handle ----------------------------------------------------------------------------------------------
Napi::Function Handle::Define(Napi::Env env) { return DefineClass(env, "TorchHandle", {}); }

Handle::Handle(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Handle>(info) {
  info.This().As<Napi::Object>().TypeTag(&kHandleTag);
  data_ = &Data(info.Env());
}

Handle::~Handle() { Release(); }

void Handle::Set(Napi::Env, at::Tensor t) {
  Release();
  tensor_ = std::move(t);
  if (tensor_.defined()) data_->liveTensors++;
}

void Handle::Release() {
  if (tensor_.defined()) {
    tensor_.reset();
    data_->liveTensors--;
  }
}

// ---- arguments -------------------------------------------------------------------------------------------
static Napi::Error ArgError(const Napi::CallbackInfo& info, size_t i, const char* what) {
  return Napi::TypeError::New(info.Env(), "argument " + std::to_string(i) + ": expected " + what);
}

bool IsTensor(const Napi::Value& v) { return v.IsObject() && v.As<Napi::Object>().CheckTypeTag(&kHandleTag); }

static at::Tensor& Unwrap(Napi::Env env, const Napi::Value& v, size_t i) {
  if (!IsTensor(v)) throw Napi::TypeError::New(env, "argument " + std::to_string(i) + ": expected a tensor");
  Handle* h = Handle::Unwrap(v.As<Napi::Object>());
  if (!h->Defined()) throw Napi::Error::New(env, "tensor was disposed (use keep() or return it from tidy())");
  return h->Get();
}

at::Tensor& T(const Napi::CallbackInfo& info, size_t i) { return Unwrap(info.Env(), info[i], i); }

c10::optional<at::Tensor> OT(const Napi::CallbackInfo& info, size_t i) {
  if (i >= info.Length() || info[i].IsUndefined() || info[i].IsNull()) return c10::nullopt;
  return T(info, i);
}

std::vector<at::Tensor> TList(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsArray()) throw ArgError(info, i, "an array of tensors");
  auto arr = info[i].As<Napi::Array>();
  std::vector<at::Tensor> out;
  out.reserve(arr.Length());
  for (uint32_t k = 0; k < arr.Length(); k++) out.push_back(Unwrap(info.Env(), arr.Get(k), i));
  return out;
}

int64_t I(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsNumber()) throw ArgError(info, i, "an integer");
  return info[i].As<Napi::Number>().Int64Value();
}

c10::optional<int64_t> OI(const Napi::CallbackInfo& info, size_t i) {
  if (i >= info.Length() || info[i].IsUndefined() || info[i].IsNull()) return c10::nullopt;
  return I(info, i);
}

double D(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsNumber()) throw ArgError(info, i, "a number");
  return info[i].As<Napi::Number>().DoubleValue();
}

c10::optional<double> OD(const Napi::CallbackInfo& info, size_t i) {
  if (i >= info.Length() || info[i].IsUndefined() || info[i].IsNull()) return c10::nullopt;
  return D(info, i);
}

bool B(const Napi::CallbackInfo& info, size_t i, bool fallback) {
  if (i >= info.Length() || info[i].IsUndefined()) return fallback;
  return info[i].ToBoolean().Value();
}

std::vector<int64_t> V(const Napi::CallbackInfo& info, size_t i) {
  if (info[i].IsNumber()) return {info[i].As<Napi::Number>().Int64Value()};
  if (!info[i].IsArray()) throw ArgError(info, i, "an array of integers");
  auto arr = info[i].As<Napi::Array>();
  std::vector<int64_t> out(arr.Length());
  for (uint32_t k = 0; k < arr.Length(); k++) {
    Napi::Value v = arr.Get(k);
    if (!v.IsNumber()) throw ArgError(info, i, "an array of integers");
    out[k] = v.As<Napi::Number>().Int64Value();
  }
  return out;
}

c10::optional<std::vector<int64_t>> OV(const Napi::CallbackInfo& info, size_t i) {
  if (i >= info.Length() || info[i].IsUndefined() || info[i].IsNull()) return c10::nullopt;
  return V(info, i);
}

std::string S(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsString()) throw ArgError(info, i, "a string");
  return info[i].As<Napi::String>().Utf8Value();
}

// Codes: 0 float32, 1 float64, 2 float16, 3 bfloat16, 4 int64, 5 int32, 6 uint8, 7 bool, 8 complex64, 9 int8.
static const at::ScalarType kCodes[] = {at::kFloat, at::kDouble,  at::kHalf,        at::kBFloat16, at::kLong,
                                        at::kInt,   at::kByte,    at::kBool,        at::kComplexFloat, at::kChar};

int DTypeCode(at::ScalarType t) {
  for (int k = 0; k < 10; k++)
    if (kCodes[k] == t) return k;
  return -1;
}

at::ScalarType CodeDType(int code) {
  if (code < 0 || code >= 10) throw std::invalid_argument("unknown dtype code " + std::to_string(code));
  return kCodes[code];
}

at::ScalarType DType(const Napi::CallbackInfo& info, size_t i, at::ScalarType fallback) {
  if (i >= info.Length() || info[i].IsUndefined() || info[i].IsNull()) return fallback;
  return CodeDType(static_cast<int>(I(info, i)));
}

c10::Device Dev(const Napi::CallbackInfo& info, size_t i) {
  if (i >= info.Length() || info[i].IsUndefined() || info[i].IsNull()) return c10::Device(c10::kCPU);
  std::string name = S(info, i);
  if (name == "cuda" && !torch::cuda::is_available())
    throw Napi::Error::New(info.Env(), "device 'cuda' requested but the linked libtorch has no CUDA device");
  return c10::Device(name);
}

at::TensorOptions Opts(const Napi::CallbackInfo& info, size_t dtypeIndex, size_t deviceIndex) {
  return at::TensorOptions().dtype(DType(info, dtypeIndex)).device(Dev(info, deviceIndex));
}

// ---- results ---------------------------------------------------------------------------------------------
Napi::Value W(Napi::Env env, at::Tensor t) {
  Napi::Object obj = Data(env).handleCtor.New({});
  Handle::Unwrap(obj)->Set(env, std::move(t));
  return obj;
}

Napi::Value WPair(Napi::Env env, const std::tuple<at::Tensor, at::Tensor>& p) {
  auto arr = Napi::Array::New(env, 2);
  arr.Set(0u, W(env, std::get<0>(p)));
  arr.Set(1u, W(env, std::get<1>(p)));
  return arr;
}

Napi::Value WList(Napi::Env env, const std::vector<at::Tensor>& list) {
  auto arr = Napi::Array::New(env, list.size());
  for (size_t k = 0; k < list.size(); k++) arr.Set(static_cast<uint32_t>(k), W(env, list[k]));
  return arr;
}

// ---- creation and transfer -------------------------------------------------------------------------------
// fromBuffer(typedArray, shape, dtypeCode): copies the typed array's bytes into a new CPU tensor.
V2M_FN(fromBuffer) {
  if (!info[0].IsTypedArray()) throw Napi::TypeError::New(info.Env(), "fromBuffer: expected a typed array");
  auto ta = info[0].As<Napi::TypedArray>();
  auto shape = V(info, 1);
  auto dtype = DType(info, 2);
  int64_t numel = 1;
  for (auto s : shape) numel *= s;
  size_t bytes = static_cast<size_t>(numel) * c10::elementSize(dtype);
  if (bytes != ta.ByteLength())
    throw Napi::RangeError::New(info.Env(), "fromBuffer: shape needs " + std::to_string(bytes) +
                                                " bytes but the array has " + std::to_string(ta.ByteLength()));
  auto t = at::empty(shape, at::TensorOptions().dtype(dtype));
  auto* src = static_cast<uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset();
  if (bytes) std::memcpy(t.data_ptr(), src, bytes);
  return W(info.Env(), t);
}

// toBuffer(t): a new ArrayBuffer holding the tensor's elements (moved to CPU, contiguous).
V2M_FN(toBuffer) {
  at::Tensor t = T(info, 0).detach().to(c10::kCPU).contiguous();
  size_t bytes = t.numel() * t.element_size();
  auto buf = Napi::ArrayBuffer::New(info.Env(), bytes);
  if (bytes) std::memcpy(buf.Data(), t.data_ptr(), bytes);
  return buf;
}

V2M_FN(zeros) { return W(info.Env(), at::zeros(V(info, 0), Opts(info, 1, 2))); }
V2M_FN(ones) { return W(info.Env(), at::ones(V(info, 0), Opts(info, 1, 2))); }
V2M_FN(full) { return W(info.Env(), at::full(V(info, 0), D(info, 1), Opts(info, 2, 3))); }
V2M_FN(arange) { return W(info.Env(), at::arange(D(info, 0), D(info, 1), D(info, 2), Opts(info, 3, 4))); }
V2M_FN(linspace) { return W(info.Env(), at::linspace(D(info, 0), D(info, 1), I(info, 2), Opts(info, 3, 4))); }
V2M_FN(randn) { return W(info.Env(), at::randn(V(info, 0), Opts(info, 1, 2))); }
V2M_FN(rand) { return W(info.Env(), at::rand(V(info, 0), Opts(info, 1, 2))); }
V2M_FN(randint) {
  auto opts = at::TensorOptions().dtype(DType(info, 3, at::kLong)).device(Dev(info, 4));
  return W(info.Env(), at::randint(I(info, 0), I(info, 1), V(info, 2), opts));
}
V2M_FN(randperm) { return W(info.Env(), at::randperm(I(info, 0), at::TensorOptions().dtype(at::kLong))); }
V2M_FN(manualSeed) {
  torch::manual_seed(static_cast<uint64_t>(I(info, 0)));
  return info.Env().Undefined();
}

// ---- information -----------------------------------------------------------------------------------------
V2M_FN(shape) {
  auto sizes = T(info, 0).sizes();
  auto arr = Napi::Array::New(info.Env(), sizes.size());
  for (size_t k = 0; k < sizes.size(); k++) arr.Set(static_cast<uint32_t>(k), static_cast<double>(sizes[k]));
  return arr;
}
V2M_FN(dtype) { return Napi::Number::New(info.Env(), DTypeCode(T(info, 0).scalar_type())); }
V2M_FN(device) { return Napi::String::New(info.Env(), T(info, 0).device().str()); }
V2M_FN(item) {
  at::Tensor t = T(info, 0);
  if (t.numel() != 1)
    throw Napi::Error::New(info.Env(), "item(): tensor has " + std::to_string(t.numel()) + " elements, not 1");
  return Napi::Number::New(info.Env(), t.item<double>());
}
V2M_FN(isDisposed) {
  if (!IsTensor(info[0])) throw Napi::TypeError::New(info.Env(), "expected a tensor");
  return Napi::Boolean::New(info.Env(), !Handle::Unwrap(info[0].As<Napi::Object>())->Defined());
}
V2M_FN(dispose) {
  if (!IsTensor(info[0])) throw Napi::TypeError::New(info.Env(), "expected a tensor");
  Handle::Unwrap(info[0].As<Napi::Object>())->Release();
  return info.Env().Undefined();
}
V2M_FN(liveTensors) { return Napi::Number::New(info.Env(), static_cast<double>(Data(info.Env()).liveTensors)); }

// ---- device and dtype ------------------------------------------------------------------------------------
V2M_FN(to) {
  at::Tensor& t = T(info, 0);
  auto dtype = DType(info, 2, t.scalar_type());
  c10::Device dev = (info.Length() > 1 && info[1].IsString()) ? Dev(info, 1) : t.device();
  return W(info.Env(), t.to(dev, dtype));
}
V2M_FN(cudaAvailable) { return Napi::Boolean::New(info.Env(), torch::cuda::is_available()); }
V2M_FN(cudaSynchronize) {
  if (torch::cuda::is_available()) torch::cuda::synchronize();
  return info.Env().Undefined();
}

// ---- autograd --------------------------------------------------------------------------------------------
V2M_FN(setRequiresGrad) {
  T(info, 0).requires_grad_(B(info, 1, true));
  return info[0];
}
V2M_FN(requiresGrad) { return Napi::Boolean::New(info.Env(), T(info, 0).requires_grad()); }
V2M_FN(backward) {
  auto grad = OT(info, 1);
  T(info, 0).backward(grad ? *grad : at::Tensor(), B(info, 2, false));
  return info.Env().Undefined();
}
V2M_FN(grad) {
  const at::Tensor& g = T(info, 0).grad();
  if (!g.defined()) return info.Env().Null();
  return W(info.Env(), g);
}
// setGrad(t, g): makes g (same shape and dtype) t's gradient, as `p.grad = g` in PyTorch.
V2M_FN(setGrad) {
  T(info, 0).mutable_grad() = T(info, 1);
  return info.Env().Undefined();
}
V2M_FN(clearGrad) {
  T(info, 0).mutable_grad().reset();
  return info.Env().Undefined();
}
V2M_FN(setGradEnabled) {
  bool prev = at::GradMode::is_enabled();
  at::GradMode::set_enabled(B(info, 0, true));
  return Napi::Boolean::New(info.Env(), prev);
}
V2M_FN(isGradEnabled) { return Napi::Boolean::New(info.Env(), at::GradMode::is_enabled()); }
V2M_FN(detach) { return W(info.Env(), T(info, 0).detach()); }

// ---- runtime ---------------------------------------------------------------------------------------------
V2M_FN(setNumThreads) {
  int n = static_cast<int>(I(info, 0));
  at::set_num_threads(n);
  if (openblas_set_num_threads) openblas_set_num_threads(n);
  return info.Env().Undefined();
}
V2M_FN(getNumThreads) { return Napi::Number::New(info.Env(), at::get_num_threads()); }
V2M_FN(parallelInfo) { return Napi::String::New(info.Env(), at::get_parallel_info()); }
V2M_FN(version) { return Napi::String::New(info.Env(), std::to_string(TORCH_VERSION_MAJOR) + "." + std::to_string(TORCH_VERSION_MINOR) + "." + std::to_string(TORCH_VERSION_PATCH)); }

void RegisterTensor(Napi::Env env, Napi::Object exports) {
  V2M_EXPORT(exports, fromBuffer);
  V2M_EXPORT(exports, toBuffer);
  V2M_EXPORT(exports, zeros);
  V2M_EXPORT(exports, ones);
  V2M_EXPORT(exports, full);
  V2M_EXPORT(exports, arange);
  V2M_EXPORT(exports, linspace);
  V2M_EXPORT(exports, randn);
  V2M_EXPORT(exports, rand);
  V2M_EXPORT(exports, randint);
  V2M_EXPORT(exports, randperm);
  V2M_EXPORT(exports, manualSeed);
  V2M_EXPORT(exports, shape);
  V2M_EXPORT(exports, dtype);
  V2M_EXPORT(exports, device);
  V2M_EXPORT(exports, item);
  V2M_EXPORT(exports, isDisposed);
  V2M_EXPORT(exports, dispose);
  V2M_EXPORT(exports, liveTensors);
  V2M_EXPORT(exports, to);
  V2M_EXPORT(exports, cudaAvailable);
  V2M_EXPORT(exports, cudaSynchronize);
  V2M_EXPORT(exports, setRequiresGrad);
  V2M_EXPORT(exports, requiresGrad);
  V2M_EXPORT(exports, backward);
  V2M_EXPORT(exports, grad);
  V2M_EXPORT(exports, setGrad);
  V2M_EXPORT(exports, clearGrad);
  V2M_EXPORT(exports, setGradEnabled);
  V2M_EXPORT(exports, isGradEnabled);
  V2M_EXPORT(exports, detach);
  V2M_EXPORT(exports, setNumThreads);
  V2M_EXPORT(exports, getNumThreads);
  V2M_EXPORT(exports, parallelInfo);
  V2M_EXPORT(exports, version);
}

}  // namespace v2m
