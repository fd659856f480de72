// Fused inference kernels: one native call for a whole pre-norm Transformer layer step with a KV cache
// (src/torch/nn/transformer.ts). Incremental decoding runs ~30 small ops per layer and token; done one by one
// from JavaScript each pays the N-API crossing, a handle and scope bookkeeping, so the layer runs here instead,
// with in-place updates where the result is a fresh intermediate. Gradient mode must be off (the caller checks).
//
// A LayerPlan holds the layer's weights repacked for decoding: query/key/value stacked into one matrix with
// the 1/sqrt(headDim) scale folded in, every matrix stored [in, out], so one row goes through gemv
// (`npm run bench:decode` times gemv and gemm over this layout against linear() over the [out, in] weight).
// The plan repacks itself whenever a weight is replaced or changed in place
// (tensor identity and version counter), so training between generations is safe.
#include <atomic>

#include "common.h"

extern "C" int omp_get_max_threads() __attribute__((weak));
extern "C" void omp_set_num_threads(int) __attribute__((weak));
extern "C" void openblas_set_num_threads(int) __attribute__((weak));

namespace v2m {

namespace {

// Tensors of one layer, in the order src/torch/nn/transformer.ts passes them.
enum Slot : size_t {
  kSelfNormW, kSelfNormB, kSelfQW, kSelfQB, kSelfKW, kSelfKB, kSelfVW, kSelfVB, kSelfOW, kSelfOB,
  kFeedNormW, kFeedNormB, kUpW, kUpB, kDownW, kDownB,
  kCrossNormW, kCrossNormB, kCrossQW, kCrossQB, kCrossKW, kCrossKB, kCrossVW, kCrossVB, kCrossOW, kCrossOB,
  kSelfSlots = kCrossNormW, kCrossSlots = kCrossOB + 1,
};

// Steps of at most this many rows (B x T) run on one thread (setSerialRowLimit changes it). Under the default
// passive OpenMP waiting every parallel region pays a thread wake-up; `npm run bench:decode` measures the
// 6-layer d 384 stack with this limit and with none, row counts 1 to 2048 (figures in the README).
std::atomic<int64_t> serialRowLimit{16};

// While alive, ops run on one thread: libtorch's parallel_for and an OpenMP OpenBLAS follow
// omp_get_max_threads; a pthreads OpenBLAS is told directly.
struct OneThread {
  int previous = 0;
  explicit OneThread(bool on) {
    if (!on || !omp_get_max_threads || !omp_set_num_threads) return;
    previous = omp_get_max_threads();
    if (previous <= 1) {
      previous = 0;
      return;
    }
    omp_set_num_threads(1);
    if (openblas_set_num_threads) openblas_set_num_threads(1);
  }
  ~OneThread() {
    if (!previous) return;
    omp_set_num_threads(previous);
    if (openblas_set_num_threads) openblas_set_num_threads(previous);
  }
};

const napi_type_tag kPlanTag = {0x7632'6d65'6f77'504cULL, 0x4c61'7965'7250'6c6eULL};

// [in, out] contiguous copy of an [out, in] weight.
at::Tensor InOut(const at::Tensor& w) { return w.t().contiguous(); }

}  // namespace

class LayerPlan : public Napi::ObjectWrap<LayerPlan> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "LayerPlan", {InstanceMethod("release", &LayerPlan::ReleaseJs)});
  }
  explicit LayerPlan(const Napi::CallbackInfo& info) : Napi::ObjectWrap<LayerPlan>(info) {
    info.This().As<Napi::Object>().TypeTag(&kPlanTag);
  }

  // Repacks when any weight differs from the packed one by identity or version.
  void Refresh(const std::vector<at::Tensor>& w, int64_t heads) {
    bool fresh = w.size() == sources_.size() && heads == heads_;
    for (size_t k = 0; fresh && k < w.size(); k++) {
      fresh = w[k].unsafeGetTensorImpl() == sources_[k].unsafeGetTensorImpl() &&
              w[k]._version() == versions_[k];
    }
    if (fresh) return;
    const double scale = 1.0 / std::sqrt(static_cast<double>(w[kSelfQW].size(0) / heads));
    qkv = InOut(at::cat({w[kSelfQW] * scale, w[kSelfKW], w[kSelfVW]}, 0));
    qkvBias = at::cat({w[kSelfQB] * scale, w[kSelfKB], w[kSelfVB]}, 0);
    out = InOut(w[kSelfOW]);
    up = InOut(w[kUpW]);
    down = InOut(w[kDownW]);
    if (w.size() == kCrossSlots) {
      crossQ = InOut(w[kCrossQW] * scale);
      crossQBias = w[kCrossQB] * scale;
      crossKV = InOut(at::cat({w[kCrossKW], w[kCrossVW]}, 0));
      crossKVBias = at::cat({w[kCrossKB], w[kCrossVB]}, 0);
      crossOut = InOut(w[kCrossOW]);
    } else {
      crossQ = crossQBias = crossKV = crossKVBias = crossOut = at::Tensor();
    }
    sources_ = w;
    heads_ = heads;
    versions_.resize(w.size());
    for (size_t k = 0; k < w.size(); k++) versions_[k] = w[k]._version();
  }

  void Release() {
    sources_.clear();
    versions_.clear();
    qkv = qkvBias = out = up = down = at::Tensor();
    crossQ = crossQBias = crossKV = crossKVBias = crossOut = at::Tensor();
  }

  at::Tensor qkv, qkvBias, out, up, down, crossQ, crossQBias, crossKV, crossKVBias, crossOut;

 private:
  Napi::Value ReleaseJs(const Napi::CallbackInfo& info) {
    Release();
    return info.Env().Undefined();
  }
  std::vector<at::Tensor> sources_;
  std::vector<int64_t> versions_;
  int64_t heads_ = 0;
};

namespace {

LayerPlan& Plan(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsObject() || !info[i].As<Napi::Object>().CheckTypeTag(&kPlanTag)) {
    throw Napi::TypeError::New(info.Env(), "argument " + std::to_string(i) + ": expected a LayerPlan");
  }
  return *LayerPlan::Unwrap(info[i].As<Napi::Object>());
}

// bias + rows [N, in] @ w [in, out]; one row goes through gemv, which beats gemm for it (bench:decode).
at::Tensor Project(const at::Tensor& bias, const at::Tensor& rows, const at::Tensor& w) {
  if (rows.size(0) == 1) return at::addmv(bias, w.t(), rows.reshape({-1})).unsqueeze(0);
  return at::addmm(bias, rows, w);
}

// [N, 3D] (or [N, 2D]) rows of stacked projections -> `parts` views [B, H, T, hd].
std::vector<at::Tensor> SplitHeads(const at::Tensor& rows, int64_t b, int64_t t, int64_t parts, int64_t heads) {
  const int64_t hd = rows.size(1) / parts / heads;
  return rows.view({b, t, parts, heads, hd}).permute({2, 0, 3, 1, 4}).unbind(0);
}

// Attention of q [B, H, Tq, hd] (pre-scaled) over k, v [B, H, Tk, hd] with optional additive bias and boolean
// mask (true = blocked), both broadcastable to [B, H, Tq, Tk]; returns [B * Tq, D] before the output projection.
at::Tensor Attend(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                  const c10::optional<at::Tensor>& bias, const c10::optional<at::Tensor>& mask) {
  at::Tensor logits = at::matmul(q, k.transpose(2, 3));
  if (bias) logits.add_(*bias);
  if (mask) logits.masked_fill_(*mask, -std::numeric_limits<double>::infinity());
  at::Tensor out = at::matmul(at::softmax(logits, -1), v);  // [B, H, Tq, hd]
  return out.transpose(1, 2).reshape({q.size(0) * q.size(2), q.size(1) * q.size(3)});
}

}  // namespace

// transformerLayerStep(x [B, T, D], weights[16 | 26], plan, heads, eps, selfK, selfV [B, H, max, hd], past,
//   bias?, mask?, memory? [B, S, D], memoryMask?, crossK?, crossV? [B, H, >= S, hd], crossFilled)
// -> x after the layer [B, T, D]. Writes this step's keys/values into selfK/selfV at past..past+T-1; with
// memory and crossFilled false it also fills crossK/crossV[:, :, :S] from memory (the caller records both).
V2M_FN(transformerLayerStep) {
  Napi::Env env = info.Env();
  if (at::GradMode::is_enabled()) {
    throw Napi::Error::New(env, "transformerLayerStep: gradient mode must be off (run it inside noGrad)");
  }
  const at::Tensor& x = T(info, 0);
  std::vector<at::Tensor> w = TList(info, 1);
  LayerPlan& plan = Plan(info, 2);
  const int64_t heads = I(info, 3);
  const double eps = D(info, 4);
  at::Tensor& selfK = T(info, 5);
  at::Tensor& selfV = T(info, 6);
  const int64_t past = I(info, 7);
  const c10::optional<at::Tensor> bias = OT(info, 8);
  const c10::optional<at::Tensor> mask = OT(info, 9);
  const c10::optional<at::Tensor> memory = OT(info, 10);
  const c10::optional<at::Tensor> memoryMask = OT(info, 11);
  const bool cross = memory.has_value();
  if (w.size() != (cross ? kCrossSlots : kSelfSlots)) {
    throw Napi::Error::New(env, "transformerLayerStep: expected " + std::to_string(cross ? kCrossSlots : kSelfSlots) +
                                    " layer tensors, got " + std::to_string(w.size()));
  }
  TORCH_CHECK(x.dim() == 3, "transformerLayerStep: x must be [B, T, D], got ", x.sizes());
  const int64_t b = x.size(0), t = x.size(1), d = x.size(2);
  TORCH_CHECK(d % heads == 0, "transformerLayerStep: width ", d, " is not divisible by ", heads, " heads");
  TORCH_CHECK(selfK.dim() == 4 && selfK.size(2) >= past + t, "transformerLayerStep: ", past + t,
              " positions exceed the cache length ", selfK.size(2));
  OneThread serial(b * t <= serialRowLimit.load());
  plan.Refresh(w, heads);
  const at::Tensor rows = x.reshape({b * t, d});

  // self-attention
  at::Tensor h = at::layer_norm(rows, {d}, w[kSelfNormW], w[kSelfNormB], eps);
  std::vector<at::Tensor> qkv = SplitHeads(Project(plan.qkvBias, h, plan.qkv), b, t, 3, heads);
  selfK.narrow(2, past, t).copy_(qkv[1]);
  selfV.narrow(2, past, t).copy_(qkv[2]);
  at::Tensor a = Attend(qkv[0], selfK.narrow(2, 0, past + t), selfV.narrow(2, 0, past + t), bias, mask);
  at::Tensor y = Project(w[kSelfOB], a, plan.out).add_(rows);

  // cross-attention over the encoder memory; its keys/values are projected once per generation
  if (cross) {
    at::Tensor& crossK = T(info, 12);
    at::Tensor& crossV = T(info, 13);
    const int64_t s = memory->size(1);
    TORCH_CHECK(crossK.dim() == 4 && crossK.size(2) >= s, "transformerLayerStep: memory of ", s,
                " positions exceeds the cross cache length ", crossK.size(2));
    if (!B(info, 14)) {
      at::Tensor kvRows = Project(plan.crossKVBias, memory->reshape({-1, d}), plan.crossKV);
      std::vector<at::Tensor> kv = SplitHeads(kvRows, memory->size(0), s, 2, heads);
      crossK.narrow(2, 0, s).copy_(kv[0]);
      crossV.narrow(2, 0, s).copy_(kv[1]);
    }
    at::Tensor hc = at::layer_norm(y, {d}, w[kCrossNormW], w[kCrossNormB], eps);
    at::Tensor qc = SplitHeads(Project(plan.crossQBias, hc, plan.crossQ), b, t, 1, heads)[0];
    at::Tensor ac = Attend(qc, crossK.narrow(2, 0, s), crossV.narrow(2, 0, s), c10::nullopt, memoryMask);
    y.add_(Project(w[kCrossOB], ac, plan.crossOut));
  }

  // feed-forward
  at::Tensor hf = at::layer_norm(y, {d}, w[kFeedNormW], w[kFeedNormB], eps);
  y.add_(Project(w[kDownB], at::gelu(Project(w[kUpB], hf, plan.up)), plan.down));
  return W(env, y.view({b, t, d}));
}

// setSerialRowLimit(rows) -> the previous limit
V2M_FN(setSerialRowLimit) {
  const int64_t rows = I(info, 0);
  if (rows < 0) throw Napi::RangeError::New(info.Env(), "setSerialRowLimit: rows must be >= 0");
  return Napi::Number::New(info.Env(), static_cast<double>(serialRowLimit.exchange(rows)));
}

void RegisterFused(Napi::Env env, Napi::Object exports) {
  exports.Set("LayerPlan", LayerPlan::Define(env));
  V2M_EXPORT(exports, transformerLayerStep);
  V2M_EXPORT(exports, setSerialRowLimit);
}

}  // namespace v2m
