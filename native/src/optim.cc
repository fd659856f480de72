// Optimizer kernels run in native code so one JavaScript call updates every parameter: AdamW (decoupled
// weight decay, Loshchilov & Hutter 2019), global gradient-norm clipping, and clearing gradients.
#include "common.h"

namespace v2m {

// adamwStep(params[], expAvg[], expAvgSq[], lr, beta1, beta2, eps, weightDecay, step)
// Parameters without a gradient are skipped. step counts from 1 (bias correction).
V2M_FN(adamwStep) {
  auto params = TList(info, 0), m = TList(info, 1), v = TList(info, 2);
  if (params.size() != m.size() || params.size() != v.size())
    throw Napi::Error::New(info.Env(), "adamwStep: params and state lists differ in length");
  double lr = D(info, 3), b1 = D(info, 4), b2 = D(info, 5), eps = D(info, 6), wd = D(info, 7);
  double step = D(info, 8);
  double bc1 = 1.0 - std::pow(b1, step), bc2 = 1.0 - std::pow(b2, step);
  double stepSize = lr / bc1, bc2Sqrt = std::sqrt(bc2);
  at::NoGradGuard guard;
  for (size_t k = 0; k < params.size(); k++) {
    at::Tensor& p = params[k];
    const at::Tensor& g = p.grad();
    if (!g.defined()) continue;
    if (wd != 0) p.mul_(1.0 - lr * wd);
    m[k].mul_(b1).add_(g, 1.0 - b1);
    v[k].mul_(b2).addcmul_(g, g, 1.0 - b2);
    at::Tensor denom = (v[k].sqrt() / bc2Sqrt).add_(eps);
    p.addcdiv_(m[k], denom, -stepSize);
  }
  return info.Env().Undefined();
}

// clipGradNorm(params[], maxNorm) -> total L2 norm before clipping.
V2M_FN(clipGradNorm) {
  auto params = TList(info, 0);
  double maxNorm = D(info, 1);
  at::NoGradGuard guard;
  std::vector<at::Tensor> norms;
  for (auto& p : params)
    if (p.grad().defined()) norms.push_back(p.grad().norm(2).to(at::kDouble));
  if (norms.empty()) return Napi::Number::New(info.Env(), 0.0);
  double total = at::stack(norms).norm(2).item<double>();
  double coef = maxNorm / (total + 1e-6);
  if (coef < 1.0)
    for (auto& p : params)
      if (p.grad().defined()) p.mutable_grad().mul_(coef);
  return Napi::Number::New(info.Env(), total);
}

// zeroGrads(params[]): drops every gradient (as set_to_none in PyTorch).
V2M_FN(zeroGrads) {
  for (auto& p : TList(info, 0)) p.mutable_grad().reset();
  return info.Env().Undefined();
}

void RegisterOptim(Napi::Env env, Napi::Object exports) {
  V2M_EXPORT(exports, adamwStep);
  V2M_EXPORT(exports, clipGradNorm);
  V2M_EXPORT(exports, zeroGrads);
}

}  // namespace v2m
