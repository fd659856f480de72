// Neural-network functions: activations, normalisation, convolution, pooling, padding, STFT, sampling,
// dropout and losses.
#include "common.h"

namespace v2m {

static int64_t Reduction(const Napi::CallbackInfo& info, size_t i) {
  if (i >= info.Length() || info[i].IsUndefined()) return at::Reduction::Mean;
  std::string r = S(info, i);
  if (r == "mean") return at::Reduction::Mean;
  if (r == "sum") return at::Reduction::Sum;
  if (r == "none") return at::Reduction::None;
  throw Napi::Error::New(info.Env(), "reduction must be 'mean', 'sum' or 'none', got '" + r + "'");
}

V2M_FN(softmax) { return W(info.Env(), at::softmax(T(info, 0), I(info, 1))); }
V2M_FN(logSoftmax) { return W(info.Env(), at::log_softmax(T(info, 0), I(info, 1))); }
V2M_FN(gelu) { return W(info.Env(), at::gelu(T(info, 0), B(info, 1) ? "tanh" : "none")); }
V2M_FN(leakyRelu) { return W(info.Env(), at::leaky_relu(T(info, 0), at::Scalar(D(info, 1)))); }
V2M_FN(elu) { return W(info.Env(), at::elu(T(info, 0), at::Scalar(D(info, 1)))); }
// layerNorm(x, normalizedShape, weight?, bias?, eps)
V2M_FN(layerNorm) { return W(info.Env(), at::layer_norm(T(info, 0), V(info, 1), OT(info, 2), OT(info, 3), D(info, 4))); }
// groupNorm(x, groups, weight?, bias?, eps)
V2M_FN(groupNorm) { return W(info.Env(), at::group_norm(T(info, 0), I(info, 1), OT(info, 2), OT(info, 3), D(info, 4))); }
V2M_FN(embedding) { return W(info.Env(), at::embedding(T(info, 0), T(info, 1))); }

// conv1d(x, w, b?, stride, padding, dilation, groups)
V2M_FN(conv1d) {
  return W(info.Env(), at::conv1d(T(info, 0), T(info, 1), OT(info, 2), V(info, 3), V(info, 4), V(info, 5), I(info, 6)));
}
// convTranspose1d(x, w, b?, stride, padding, outputPadding, groups, dilation)
V2M_FN(convTranspose1d) {
  return W(info.Env(), at::conv_transpose1d(T(info, 0), T(info, 1), OT(info, 2), V(info, 3), V(info, 4), V(info, 5),
                                            I(info, 6), V(info, 7)));
}
// conv2d(x, w, b?, stride[2], padding[2], dilation[2], groups)
V2M_FN(conv2d) {
  return W(info.Env(), at::conv2d(T(info, 0), T(info, 1), OT(info, 2), V(info, 3), V(info, 4), V(info, 5), I(info, 6)));
}
// pooling: (x, kernel, stride, padding)
V2M_FN(avgPool1d) { return W(info.Env(), at::avg_pool1d(T(info, 0), V(info, 1), V(info, 2), V(info, 3))); }
V2M_FN(maxPool1d) { return W(info.Env(), at::max_pool1d(T(info, 0), V(info, 1), V(info, 2), V(info, 3))); }
V2M_FN(avgPool2d) { return W(info.Env(), at::avg_pool2d(T(info, 0), V(info, 1), V(info, 2), V(info, 3))); }
V2M_FN(maxPool2d) { return W(info.Env(), at::max_pool2d(T(info, 0), V(info, 1), V(info, 2), V(info, 3))); }
V2M_FN(adaptiveAvgPool1d) { return W(info.Env(), at::adaptive_avg_pool1d(T(info, 0), V(info, 1))); }
V2M_FN(adaptiveAvgPool2d) { return W(info.Env(), at::adaptive_avg_pool2d(T(info, 0), V(info, 1))); }
// pad(x, pads, mode, value): pads as in torch (last dim first): [left, right, top, bottom, ...]
V2M_FN(pad) {
  std::string mode = info.Length() > 2 && info[2].IsString() ? S(info, 2) : "constant";
  c10::optional<double> value;
  if (mode == "constant") value = OD(info, 3).value_or(0.0);
  return W(info.Env(), at::pad(T(info, 0), V(info, 1), mode, value));
}
// upsampleNearest1d(x, outputSize)
V2M_FN(upsampleNearest1d) { return W(info.Env(), at::upsample_nearest1d(T(info, 0), at::IntArrayRef(V(info, 1)), c10::optional<double>())); }

// window(kind, length, periodic): 'hann' | 'hamming' | 'blackman'
V2M_FN(window) {
  std::string kind = S(info, 0);
  int64_t n = I(info, 1);
  bool periodic = B(info, 2, true);
  auto opts = at::TensorOptions().dtype(DType(info, 3));
  if (kind == "hann") return W(info.Env(), at::hann_window(n, periodic, opts));
  if (kind == "hamming") return W(info.Env(), at::hamming_window(n, periodic, opts));
  if (kind == "blackman") return W(info.Env(), at::blackman_window(n, periodic, opts));
  throw Napi::Error::New(info.Env(), "unknown window '" + kind + "' (hann, hamming, blackman)");
}
// stft(x [B?, T], nFft, hop, winLength, window?, center, padMode, normalized) -> complex [B?, nFft/2+1, frames]
V2M_FN(stft) {
  std::string padMode = info.Length() > 6 && info[6].IsString() ? S(info, 6) : "reflect";
  return W(info.Env(), at::stft(T(info, 0), I(info, 1), OI(info, 2), OI(info, 3), OT(info, 4), B(info, 5, true), padMode,
                                B(info, 7), true, true));
}
// istft(X complex, nFft, hop, winLength, window?, center, normalized, length?)
V2M_FN(istft) {
  return W(info.Env(), at::istft(T(info, 0), I(info, 1), OI(info, 2), OI(info, 3), OT(info, 4), B(info, 5, true),
                                 B(info, 6), true, OI(info, 7), false));
}

// multinomial(probs, numSamples, replacement)
V2M_FN(multinomial) { return W(info.Env(), at::multinomial(T(info, 0), I(info, 1), B(info, 2))); }
// dropout(x, p, train)
V2M_FN(dropout) { return W(info.Env(), at::dropout(T(info, 0), D(info, 1), B(info, 2))); }

// crossEntropy(logits [N, C, ...], target [N, ...] int64, ignoreIndex, labelSmoothing, reduction)
V2M_FN(crossEntropy) {
  int64_t ignore = OI(info, 2).value_or(-100);
  double smoothing = OD(info, 3).value_or(0.0);
  return W(info.Env(), at::cross_entropy_loss(T(info, 0), T(info, 1), {}, Reduction(info, 4), ignore, smoothing));
}
V2M_FN(mseLoss) { return W(info.Env(), at::mse_loss(T(info, 0), T(info, 1), Reduction(info, 2))); }
V2M_FN(l1Loss) { return W(info.Env(), at::l1_loss(T(info, 0), T(info, 1), Reduction(info, 2))); }
V2M_FN(bceWithLogits) {
  return W(info.Env(), at::binary_cross_entropy_with_logits(T(info, 0), T(info, 1), {}, {}, Reduction(info, 2)));
}

void RegisterNN(Napi::Env env, Napi::Object exports) {
  V2M_EXPORT(exports, softmax); V2M_EXPORT(exports, logSoftmax); V2M_EXPORT(exports, gelu);
  V2M_EXPORT(exports, leakyRelu); V2M_EXPORT(exports, elu); V2M_EXPORT(exports, layerNorm);
  V2M_EXPORT(exports, groupNorm); V2M_EXPORT(exports, embedding); V2M_EXPORT(exports, conv1d);
  V2M_EXPORT(exports, convTranspose1d); V2M_EXPORT(exports, conv2d); V2M_EXPORT(exports, avgPool1d);
  V2M_EXPORT(exports, maxPool1d); V2M_EXPORT(exports, avgPool2d); V2M_EXPORT(exports, maxPool2d);
  V2M_EXPORT(exports, adaptiveAvgPool1d); V2M_EXPORT(exports, adaptiveAvgPool2d); V2M_EXPORT(exports, pad);
  V2M_EXPORT(exports, upsampleNearest1d); V2M_EXPORT(exports, window); V2M_EXPORT(exports, stft);
  V2M_EXPORT(exports, istft); V2M_EXPORT(exports, multinomial); V2M_EXPORT(exports, dropout);
  V2M_EXPORT(exports, crossEntropy); V2M_EXPORT(exports, mseLoss); V2M_EXPORT(exports, l1Loss);
  V2M_EXPORT(exports, bceWithLogits);
}

}  // namespace v2m
