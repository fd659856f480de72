// Elementwise math, comparisons, reductions, linear algebra, shape and indexing operations.
#include "common.h"

namespace v2m {

// A JavaScript number as a libtorch scalar with Python's typing: whole numbers are integers, so that
// int64 tensors stay int64 under `t + 1`, while float tensors are unaffected.
static at::Scalar Num(const Napi::CallbackInfo& info, size_t i) {
  double v = D(info, i);
  if (std::floor(v) == v && std::abs(v) < 9.007199254740992e15) return at::Scalar(static_cast<int64_t>(v));
  return at::Scalar(v);
}

// ---- unary -----------------------------------------------------------------------------------------------
#define V2M_UNARY(name, expr)                  \
  V2M_FN(name) {                               \
    const at::Tensor& a = T(info, 0);          \
    return W(info.Env(), expr);                \
  }
V2M_UNARY(neg, at::neg(a))
V2M_UNARY(abs, at::abs(a))
V2M_UNARY(exp, at::exp(a))
V2M_UNARY(log, at::log(a))
V2M_UNARY(log1p, at::log1p(a))
V2M_UNARY(log10, at::log10(a))
V2M_UNARY(sqrt, at::sqrt(a))
V2M_UNARY(rsqrt, at::rsqrt(a))
V2M_UNARY(sin, at::sin(a))
V2M_UNARY(cos, at::cos(a))
V2M_UNARY(tanh, at::tanh(a))
V2M_UNARY(sigmoid, at::sigmoid(a))
V2M_UNARY(relu, at::relu(a))
V2M_UNARY(silu, at::silu(a))
V2M_UNARY(softplus, at::softplus(a))
V2M_UNARY(erf, at::erf(a))
V2M_UNARY(sign, at::sign(a))
V2M_UNARY(floor, at::floor(a))
V2M_UNARY(ceil, at::ceil(a))
V2M_UNARY(round, at::round(a))
V2M_UNARY(reciprocal, at::reciprocal(a))
V2M_UNARY(square, at::square(a))
V2M_UNARY(logicalNot, at::logical_not(a))
V2M_UNARY(isnan, at::isnan(a))
V2M_UNARY(isfinite, at::isfinite(a))
V2M_UNARY(contiguous, a.contiguous())
V2M_UNARY(clone, a.clone())
V2M_UNARY(real, at::real(a))
V2M_UNARY(imag, at::imag(a))
V2M_UNARY(angle, at::angle(a))
V2M_UNARY(viewAsReal, at::view_as_real(a))
V2M_UNARY(viewAsComplex, at::view_as_complex(a.contiguous()))
V2M_UNARY(t, a.t())

// ---- binary (tensor op tensor | tensor op scalar) --------------------------------------------------------
#define V2M_BINARY(name, fn)                                                        \
  V2M_FN(name) {                                                                    \
    const at::Tensor& a = T(info, 0);                                               \
    if (IsTensor(info[1])) return W(info.Env(), fn(a, T(info, 1)));                 \
    return W(info.Env(), fn(a, Num(info, 1)));                            \
  }
V2M_BINARY(add, at::add)
V2M_BINARY(sub, at::sub)
V2M_BINARY(mul, at::mul)
V2M_BINARY(div, at::div)
V2M_BINARY(pow, at::pow)
V2M_BINARY(remainder, at::remainder)
V2M_BINARY(eq, at::eq)
V2M_BINARY(ne, at::ne)
V2M_BINARY(lt, at::lt)
V2M_BINARY(le, at::le)
V2M_BINARY(gt, at::gt)
V2M_BINARY(ge, at::ge)
V2M_FN(maximum) { return W(info.Env(), at::maximum(T(info, 0), T(info, 1))); }
V2M_FN(minimum) { return W(info.Env(), at::minimum(T(info, 0), T(info, 1))); }
V2M_FN(logicalAnd) { return W(info.Env(), at::logical_and(T(info, 0), T(info, 1))); }
V2M_FN(logicalOr) { return W(info.Env(), at::logical_or(T(info, 0), T(info, 1))); }
V2M_FN(atan2) { return W(info.Env(), at::atan2(T(info, 0), T(info, 1))); }
V2M_FN(rsub) { return W(info.Env(), at::rsub(T(info, 0), Num(info, 1))); }
V2M_FN(clamp) {
  c10::optional<at::Scalar> lo, hi;
  if (auto v = OD(info, 1)) lo = at::Scalar(*v);
  if (auto v = OD(info, 2)) hi = at::Scalar(*v);
  return W(info.Env(), at::clamp(T(info, 0), lo, hi));
}
V2M_FN(where) {
  const at::Tensor& c = T(info, 0);
  bool ta = IsTensor(info[1]), tb = IsTensor(info[2]);
  if (ta && tb) return W(info.Env(), at::where(c, T(info, 1), T(info, 2)));
  if (ta) return W(info.Env(), at::where(c, T(info, 1), Num(info, 2)));
  if (tb) return W(info.Env(), at::where(c, Num(info, 1), T(info, 2)));
  return W(info.Env(), at::where(c, Num(info, 1), Num(info, 2)));
}
V2M_FN(lerp) { return W(info.Env(), at::lerp(T(info, 0), T(info, 1), at::Scalar(D(info, 2)))); }

// ---- reductions (dims: null = all) -----------------------------------------------------------------------
V2M_FN(sum) {
  auto dims = OV(info, 1);
  if (!dims) return W(info.Env(), at::sum(T(info, 0)));
  return W(info.Env(), at::sum(T(info, 0), *dims, B(info, 2)));
}
V2M_FN(mean) {
  auto dims = OV(info, 1);
  if (!dims) return W(info.Env(), at::mean(T(info, 0)));
  return W(info.Env(), at::mean(T(info, 0), *dims, B(info, 2)));
}
V2M_FN(prod) {
  auto dim = OI(info, 1);
  if (!dim) return W(info.Env(), at::prod(T(info, 0)));
  return W(info.Env(), at::prod(T(info, 0), *dim, B(info, 2)));
}
// var(t, dims|null, unbiased, keepdim)
V2M_FN(variance) {
  auto dims = OV(info, 1);
  bool unbiased = B(info, 2, true);
  if (!dims) return W(info.Env(), at::var(T(info, 0), unbiased));
  return W(info.Env(), at::var(T(info, 0), at::OptionalIntArrayRef(*dims), unbiased, B(info, 3)));
}
V2M_FN(logsumexp) { return W(info.Env(), at::logsumexp(T(info, 0), V(info, 1), B(info, 2))); }
V2M_FN(norm) {
  auto dims = OV(info, 2);
  double p = D(info, 1);
  if (!dims) return W(info.Env(), at::norm(T(info, 0), at::Scalar(p)));
  return W(info.Env(), at::norm(T(info, 0), at::Scalar(p), *dims, B(info, 3)));
}
// max(t) -> scalar tensor; max(t, dim, keepdim) -> [values, indices]
V2M_FN(max) {
  auto dim = OI(info, 1);
  if (!dim) return W(info.Env(), at::max(T(info, 0)));
  return WPair(info.Env(), at::max(T(info, 0), *dim, B(info, 2)));
}
V2M_FN(min) {
  auto dim = OI(info, 1);
  if (!dim) return W(info.Env(), at::min(T(info, 0)));
  return WPair(info.Env(), at::min(T(info, 0), *dim, B(info, 2)));
}
V2M_FN(argmax) {
  auto dim = OI(info, 1);
  return W(info.Env(), at::argmax(T(info, 0), dim, B(info, 2)));
}
V2M_FN(argmin) {
  auto dim = OI(info, 1);
  return W(info.Env(), at::argmin(T(info, 0), dim, B(info, 2)));
}
V2M_FN(cumsum) { return W(info.Env(), at::cumsum(T(info, 0), I(info, 1))); }
V2M_FN(any) { return W(info.Env(), at::any(T(info, 0))); }
V2M_FN(all) { return W(info.Env(), at::all(T(info, 0))); }
V2M_FN(bincount) { return W(info.Env(), at::bincount(T(info, 0), {}, I(info, 1))); }

// ---- linear algebra --------------------------------------------------------------------------------------
V2M_FN(matmul) { return W(info.Env(), at::matmul(T(info, 0), T(info, 1))); }
V2M_FN(bmm) { return W(info.Env(), at::bmm(T(info, 0), T(info, 1))); }
V2M_FN(linear) { return W(info.Env(), at::linear(T(info, 0), T(info, 1), OT(info, 2))); }
V2M_FN(cdist) { return W(info.Env(), at::cdist(T(info, 0), T(info, 1), info.Length() > 2 ? D(info, 2) : 2.0)); }
V2M_FN(eigh) { return WPair(info.Env(), at::linalg_eigh(T(info, 0))); }
V2M_FN(outer) { return W(info.Env(), at::outer(T(info, 0), T(info, 1))); }
V2M_FN(einsum) {
  return W(info.Env(), at::einsum(S(info, 0), TList(info, 1)));
}

// ---- shape -----------------------------------------------------------------------------------------------
V2M_FN(reshape) { return W(info.Env(), at::reshape(T(info, 0), V(info, 1))); }
V2M_FN(permute) { return W(info.Env(), T(info, 0).permute(V(info, 1))); }
V2M_FN(transpose) { return W(info.Env(), T(info, 0).transpose(I(info, 1), I(info, 2))); }
V2M_FN(expand) { return W(info.Env(), T(info, 0).expand(V(info, 1))); }
V2M_FN(repeat) { return W(info.Env(), T(info, 0).repeat(V(info, 1))); }
V2M_FN(squeeze) {
  auto dim = OI(info, 1);
  return W(info.Env(), dim ? T(info, 0).squeeze(*dim) : T(info, 0).squeeze());
}
V2M_FN(unsqueeze) { return W(info.Env(), T(info, 0).unsqueeze(I(info, 1))); }
V2M_FN(flatten) { return W(info.Env(), T(info, 0).flatten(I(info, 1), I(info, 2))); }
V2M_FN(flip) { return W(info.Env(), at::flip(T(info, 0), V(info, 1))); }
V2M_FN(roll) { return W(info.Env(), at::roll(T(info, 0), V(info, 1), V(info, 2))); }
V2M_FN(cat) { return W(info.Env(), at::cat(TList(info, 0), I(info, 1))); }
V2M_FN(stack) { return W(info.Env(), at::stack(TList(info, 0), I(info, 1))); }
// split(t, size | sizes[], dim)
V2M_FN(split) {
  if (info[1].IsArray()) return WList(info.Env(), at::split_with_sizes(T(info, 0), V(info, 1), I(info, 2)));
  return WList(info.Env(), at::split(T(info, 0), I(info, 1), I(info, 2)));
}
V2M_FN(chunk) { return WList(info.Env(), at::chunk(T(info, 0), I(info, 1), I(info, 2))); }
V2M_FN(narrow) { return W(info.Env(), T(info, 0).narrow(I(info, 1), I(info, 2), I(info, 3))); }
V2M_FN(select) { return W(info.Env(), T(info, 0).select(I(info, 1), I(info, 2))); }
// slice(t, dim, start, end, step)
V2M_FN(slice) { return W(info.Env(), T(info, 0).slice(I(info, 1), OI(info, 2), OI(info, 3), info.Length() > 4 ? I(info, 4) : 1)); }
V2M_FN(tril) { return W(info.Env(), at::tril(T(info, 0), info.Length() > 1 ? I(info, 1) : 0)); }
V2M_FN(triu) { return W(info.Env(), at::triu(T(info, 0), info.Length() > 1 ? I(info, 1) : 0)); }

// ---- indexing --------------------------------------------------------------------------------------------
V2M_FN(gather) { return W(info.Env(), at::gather(T(info, 0), I(info, 1), T(info, 2))); }
V2M_FN(scatter) { return W(info.Env(), at::scatter(T(info, 0), I(info, 1), T(info, 2), T(info, 3))); }
V2M_FN(scatterAdd) { return W(info.Env(), at::scatter_add(T(info, 0), I(info, 1), T(info, 2), T(info, 3))); }
V2M_FN(indexSelect) { return W(info.Env(), at::index_select(T(info, 0), I(info, 1), T(info, 2))); }
V2M_FN(indexAdd) { return W(info.Env(), at::index_add(T(info, 0), I(info, 1), T(info, 2), T(info, 3))); }
V2M_FN(maskedFill) { return W(info.Env(), at::masked_fill(T(info, 0), T(info, 1), Num(info, 2))); }
V2M_FN(maskedSelect) { return W(info.Env(), at::masked_select(T(info, 0), T(info, 1))); }
V2M_FN(nonzero) { return W(info.Env(), at::nonzero(T(info, 0))); }
V2M_FN(oneHot) { return W(info.Env(), at::one_hot(T(info, 0), I(info, 1))); }
// topk(t, k, dim, largest, sorted) -> [values, indices]
V2M_FN(topk) { return WPair(info.Env(), at::topk(T(info, 0), I(info, 1), I(info, 2), B(info, 3, true), B(info, 4, true))); }
V2M_FN(sort) { return WPair(info.Env(), at::sort(T(info, 0), I(info, 1), B(info, 2, false))); }

// ---- in place (no autograd history; used by optimizers, EMA codebooks and weight loading) ----------------
V2M_FN(copyInto) {
  at::NoGradGuard guard;
  T(info, 0).copy_(T(info, 1));
  return info.Env().Undefined();
}
V2M_FN(lerpInto) {
  at::NoGradGuard guard;
  T(info, 0).lerp_(T(info, 1), at::Scalar(D(info, 2)));
  return info.Env().Undefined();
}
V2M_FN(fillInto) {
  at::NoGradGuard guard;
  T(info, 0).fill_(Num(info, 1));
  return info.Env().Undefined();
}
V2M_FN(indexCopyInto) {
  at::NoGradGuard guard;
  T(info, 0).index_copy_(I(info, 1), T(info, 2), T(info, 3));
  return info.Env().Undefined();
}

void RegisterMath(Napi::Env env, Napi::Object exports) {
  V2M_EXPORT(exports, neg); V2M_EXPORT(exports, abs); V2M_EXPORT(exports, exp); V2M_EXPORT(exports, log);
  V2M_EXPORT(exports, log1p); V2M_EXPORT(exports, log10); V2M_EXPORT(exports, sqrt); V2M_EXPORT(exports, rsqrt);
  V2M_EXPORT(exports, sin); V2M_EXPORT(exports, cos); V2M_EXPORT(exports, tanh); V2M_EXPORT(exports, sigmoid);
  V2M_EXPORT(exports, relu); V2M_EXPORT(exports, silu); V2M_EXPORT(exports, softplus); V2M_EXPORT(exports, erf);
  V2M_EXPORT(exports, sign); V2M_EXPORT(exports, floor); V2M_EXPORT(exports, ceil); V2M_EXPORT(exports, round);
  V2M_EXPORT(exports, reciprocal); V2M_EXPORT(exports, square); V2M_EXPORT(exports, logicalNot);
  V2M_EXPORT(exports, isnan); V2M_EXPORT(exports, isfinite); V2M_EXPORT(exports, contiguous);
  V2M_EXPORT(exports, clone); V2M_EXPORT(exports, real); V2M_EXPORT(exports, imag); V2M_EXPORT(exports, angle);
  V2M_EXPORT(exports, viewAsReal); V2M_EXPORT(exports, viewAsComplex); V2M_EXPORT(exports, t);
  V2M_EXPORT(exports, add); V2M_EXPORT(exports, sub); V2M_EXPORT(exports, mul); V2M_EXPORT(exports, div);
  V2M_EXPORT(exports, pow); V2M_EXPORT(exports, remainder); V2M_EXPORT(exports, eq); V2M_EXPORT(exports, ne);
  V2M_EXPORT(exports, lt); V2M_EXPORT(exports, le); V2M_EXPORT(exports, gt); V2M_EXPORT(exports, ge);
  V2M_EXPORT(exports, maximum); V2M_EXPORT(exports, minimum); V2M_EXPORT(exports, logicalAnd);
  V2M_EXPORT(exports, logicalOr); V2M_EXPORT(exports, atan2); V2M_EXPORT(exports, rsub);
  V2M_EXPORT(exports, clamp); V2M_EXPORT(exports, where); V2M_EXPORT(exports, lerp);
  V2M_EXPORT(exports, sum); V2M_EXPORT(exports, mean); V2M_EXPORT(exports, prod); V2M_EXPORT(exports, variance);
  V2M_EXPORT(exports, logsumexp); V2M_EXPORT(exports, norm); V2M_EXPORT(exports, max); V2M_EXPORT(exports, min);
  V2M_EXPORT(exports, argmax); V2M_EXPORT(exports, argmin); V2M_EXPORT(exports, cumsum); V2M_EXPORT(exports, any);
  V2M_EXPORT(exports, all); V2M_EXPORT(exports, bincount);
  V2M_EXPORT(exports, matmul); V2M_EXPORT(exports, bmm); V2M_EXPORT(exports, linear); V2M_EXPORT(exports, cdist);
  V2M_EXPORT(exports, eigh); V2M_EXPORT(exports, outer); V2M_EXPORT(exports, einsum);
  V2M_EXPORT(exports, reshape); V2M_EXPORT(exports, permute); V2M_EXPORT(exports, transpose);
  V2M_EXPORT(exports, expand); V2M_EXPORT(exports, repeat); V2M_EXPORT(exports, squeeze);
  V2M_EXPORT(exports, unsqueeze); V2M_EXPORT(exports, flatten); V2M_EXPORT(exports, flip); V2M_EXPORT(exports, roll);
  V2M_EXPORT(exports, cat); V2M_EXPORT(exports, stack); V2M_EXPORT(exports, split); V2M_EXPORT(exports, chunk);
  V2M_EXPORT(exports, narrow); V2M_EXPORT(exports, select); V2M_EXPORT(exports, slice); V2M_EXPORT(exports, tril);
  V2M_EXPORT(exports, triu);
  V2M_EXPORT(exports, gather); V2M_EXPORT(exports, scatter); V2M_EXPORT(exports, scatterAdd);
  V2M_EXPORT(exports, indexSelect); V2M_EXPORT(exports, indexAdd); V2M_EXPORT(exports, maskedFill);
  V2M_EXPORT(exports, maskedSelect); V2M_EXPORT(exports, nonzero); V2M_EXPORT(exports, oneHot);
  V2M_EXPORT(exports, topk); V2M_EXPORT(exports, sort);
  V2M_EXPORT(exports, copyInto); V2M_EXPORT(exports, lerpInto); V2M_EXPORT(exports, fillInto);
  V2M_EXPORT(exports, indexCopyInto);
}

}  // namespace v2m
